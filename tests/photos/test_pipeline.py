"""Through the pipeline: official posts whose photos are served over loopback HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from classifiers.images import (
    ImageConsentClassifier,
    ImageFacesClassifier,
    ImageMetadataClassifier,
    ImageTextClassifier,
)
from connectors.base import FetchedItem, MediaRef
from monitor import consent, crypto
from monitor.db import session_scope
from monitor.models import Case, Finding, Item, RosterChild
from monitor.pipeline import Pipeline
from monitor.runtime import setting_context
from monitor.types import ItemKind
from tests.helpers import ingest, org_config, setup_org
from tests.photos import images
from tests.photos.conftest import make_runtime


def photo_item(ext: str, url: str, *, owner: bool = True, text: str = "A lovely afternoon!",
               parent: str | None = None) -> FetchedItem:
    return FetchedItem(external_id=ext, kind=ItemKind.POST if owner else ItemKind.COMMENT,
                       text=text, parent_external_id=parent, author_is_owner=owner,
                       author_name="Oakfield Club" if owner else "A Parent",
                       created_at=datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
                       media=(MediaRef(url=url, type="image", id=ext),))


@pytest.fixture
def world(sqlite_engine, tmp_path, media_server):  # type: ignore[no-untyped-def]
    """An organisation with one child (consent "no") and the four image checks."""
    engine = sqlite_engine
    cfg = org_config(tmp_path)
    setup_org(engine, cfg)
    with session_scope(engine) as s:
        child = RosterChild(location_id="oakfield", name_enc=crypto.encrypt("Amelia Hartley"),
                            name_fingerprint=crypto.keyed_hash("Amelia Hartley"), photo_consent="no")
        s.add(child)
        s.flush()
        child_id = child.id
        ctx = setting_context(cfg, s)
    rt = make_runtime(media_server, consent.DbConsentIndex(engine, ttl=3600))
    clfs = [ImageMetadataClassifier(ctx, rt), ImageFacesClassifier(ctx, rt),
            ImageConsentClassifier(ctx, rt), ImageTextClassifier(ctx, rt)]
    return engine, Pipeline(engine, cfg, clfs), child_id


def findings_for(engine, ext: str) -> list[Finding]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        item = s.exec(select(Item).where(Item.external_id == ext)).one()
        return list(s.exec(select(Finding).where(Finding.item_id == item.id)))


def case_for(engine, ext: str) -> Case | None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        item = s.exec(select(Item).where(Item.external_id == ext)).one()
        return s.exec(select(Case).where(Case.item_id == item.id)).first()


def test_a_name_on_a_certificate_in_an_official_post_opens_a_case_with_its_region(world, media_server) -> None:  # type: ignore[no-untyped-def]
    """OCR span → child_identification finding with a region; a high case for the manager."""
    engine, pipe, _ = world
    url = media_server.add("/p/cert.jpg", images.jpeg(images.certificate()))
    ingest(engine, [photo_item("cert", url, text="Well done to our star of the week!")])
    pipe.process_pending()
    [f] = [f for f in findings_for(engine, "cert") if f.classifier == "image_text"
           and f.category == "child_identification"]
    name = next(sp for sp in f.spans if sp["detail"]["text_type"] == "child_name")
    assert name["type"] == "region" and name["detail"]["text"] == "Amelia" and name["detail"]["media"] == url
    case = case_for(engine, "cert")
    assert case is not None and case.severity == "high" and "child_identification" in case.categories


def test_gps_in_an_official_photo_raises_a_finding(world, media_server) -> None:  # type: ignore[no-untyped-def]
    """The file's GPS position is a metadata field finding."""
    engine, pipe, _ = world
    url = media_server.add("/p/gps.jpg", images.jpeg(images.plain_scene(11), exif=images.gps_exif()))
    ingest(engine, [photo_item("gps", url)])
    pipe.process_pending()
    [f] = findings_for(engine, "gps")
    assert (f.classifier, f.label, f.spans[0]["detail"]["field"]) == ("image_metadata", "exif_gps", "GPSInfo")
    assert case_for(engine, "gps") is not None


def test_after_approval_a_crop_of_the_photo_raises_nothing(world, media_server) -> None:  # type: ignore[no-untyped-def]
    """Faces without consent → case; the manager approves; a cropped re-post is quiet."""
    engine, pipe, _ = world
    a = images.astronaut()
    w, h = a.size
    first = media_server.add("/p/trip.jpg", images.jpeg(a))
    crop = media_server.add("/p/trip-crop.jpg", images.jpeg(a.crop((w // 10, 0, w - w // 10, h)), quality=75))
    ingest(engine, [photo_item("trip", first)])
    pipe.process_pending()
    case = case_for(engine, "trip")
    assert case is not None and [f.label for f in findings_for(engine, "trip")] == ["faces_without_consent"]
    with session_scope(engine) as s:
        approved = consent.approve_case_images(s, case_id=case.id, item_id=case.item_id, by="sam")  # type: ignore[arg-type]
    assert len(approved) == 1
    ingest(engine, [photo_item("trip-again", crop)])
    pipe.process_pending()
    assert findings_for(engine, "trip-again") == [] and case_for(engine, "trip-again") is None


def test_a_photo_linked_to_a_child_without_consent_is_critical_wherever_it_reappears(world, media_server) -> None:  # type: ignore[no-untyped-def]
    """Linked once by a manager; a parent re-posting a resized copy in a comment is critical."""
    engine, pipe, child_id = world
    a = images.astronaut()
    with session_scope(engine) as s:
        from classifiers.images.pdq import compute, variant_hashes

        consent.link_child(s, pdq=compute(a).hex, roster_child_id=child_id, by="sam",
                           variants=variant_hashes(a))
    url = media_server.add("/p/repost.jpg", images.jpeg(a.resize((256, 256)), quality=70))
    ingest(engine, [photo_item("post", url, text="Our autumn crafts!"),
                    photo_item("c1", url, owner=False, parent="post", text="Gorgeous!")])
    pipe.process_pending()
    case = case_for(engine, "c1")
    assert case is not None and case.severity == "critical"
    labels = {f.label for f in findings_for(engine, "c1")}
    assert labels == {"refused_consent_photo"}
