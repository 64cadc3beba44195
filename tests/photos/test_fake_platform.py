"""End to end: the fake Facebook Graph API → the real connector → ingest → pipeline → case.

The fake platform lists the posts; their photos are served by the photo tests' media
server (the fake platform itself serves no files), the one allow-listed test origin.
"""

from __future__ import annotations

import time

import httpx
from sqlmodel import select

from classifiers.images import (
    ImageConsentClassifier,
    ImageFacesClassifier,
    ImageMetadataClassifier,
    ImageTextClassifier,
)
from connectors.base import Batch
from connectors.common import ConnectorSecrets
from connectors.fakes.server import FakePlatformServer
from connectors.registry import build_connector
from monitor import consent, crypto
from monitor.config import AccountConfig
from monitor.db import session_scope
from monitor.models import Case, Finding, Item, RosterChild
from monitor.pipeline import Pipeline
from monitor.runtime import setting_context
from monitor.store import ingest_batch
from tests.helpers import org_config, setup_org
from tests.photos import images
from tests.photos.conftest import make_runtime

PAGE = "104800000000077"


def test_an_official_certificate_photo_polled_from_the_fake_page_opens_a_case(sqlite_engine, tmp_path, media_server) -> None:  # type: ignore[no-untyped-def]
    """Polled like production: the OCR'd name on the photo becomes a case with a region."""
    engine = sqlite_engine
    cfg = org_config(tmp_path)
    setup_org(engine, cfg)
    with session_scope(engine) as s:
        s.add(RosterChild(location_id="oakfield", name_enc=crypto.encrypt("Amelia Hartley"),
                          name_fingerprint=crypto.keyed_hash("Amelia Hartley"), photo_consent="yes"))
        s.flush()
        ctx = setting_context(cfg, s)
    cert = media_server.add("/fb/cert.jpg", images.jpeg(images.certificate()))
    gps = media_server.add("/fb/garden.jpg", images.jpeg(images.plain_scene(21), exif=images.gps_exif()))
    with FakePlatformServer() as fake, httpx.Client() as http:
        fake.world.add_account("facebook", PAGE, name="Oakfield Club")
        fake.world.add_post("facebook", PAGE, "Star of the week!", media_url=cert, created=time.time() - 120)
        fake.world.add_post("facebook", PAGE, "Our new planters", media_url=gps, created=time.time() - 60)
        account = AccountConfig(id="fb-oak", platform="facebook", external_id=PAGE,
                                base_url=fake.base_url("facebook"), token_env="UNUSED",
                                options={"timeout": 2.0})
        conn = build_connector(account, ConnectorSecrets(token="any-token-the-fake-accepts"), http=http)
        batches: list[Batch] = list(conn.poll({}))
    with session_scope(engine) as s:
        for b in batches:
            ingest_batch(s, account_id="fb-oak", platform="facebook", batch=b)
    rt = make_runtime(media_server, consent.DbConsentIndex(engine))
    pipe = Pipeline(engine, cfg, [ImageMetadataClassifier(ctx, rt), ImageFacesClassifier(ctx, rt),
                                  ImageConsentClassifier(ctx, rt), ImageTextClassifier(ctx, rt)])
    pipe.process_pending()
    with session_scope(engine) as s:
        posts = {i.text: i for i in s.exec(select(Item))}
        cert_findings = s.exec(select(Finding).where(Finding.item_id == posts["Star of the week!"].id)).all()
        gps_findings = s.exec(select(Finding).where(Finding.item_id == posts["Our new planters"].id)).all()
        cases = s.exec(select(Case)).all()
    assert posts["Star of the week!"].media[0]["url"] == cert
    ocr = next(f for f in cert_findings if f.classifier == "image_text" and f.category == "child_identification")
    assert any(sp["detail"].get("text") == "Amelia" for sp in ocr.spans)
    assert [f.label for f in gps_findings] == ["exif_gps"]
    assert len(cases) == 2
