"""The review page's photo routes: check a draft, approve a case's photos, link a child."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from classifiers.images.pdq import compute
from monitor import crypto
from monitor.clock import FrozenClock
from monitor.db import make_engine, migrate, session_scope
from monitor.models import ApprovedImage, ConsentLink, Finding, RosterChild
from monitor.web import create_app
from monitor.web_consent import router
from tests.photos import images
from tests.web import factories


@pytest.fixture
def web(tmp_path) -> Iterator[tuple]:  # type: ignore[type-arg, no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'web.db'}")
    migrate(engine)
    factories.seed_org(engine)
    app = create_app(engine, factories.config(), clock=FrozenClock(factories.T0), session_secret="s")
    app.include_router(router)
    clients: list[TestClient] = []

    def as_role(role: str) -> tuple[TestClient, str]:
        c = TestClient(app, base_url="http://testserver")
        clients.append(c)
        return c, factories.login(c, role)

    yield engine, as_role
    for c in clients:
        c.close()
    engine.dispose()


def photo_case(engine, location: str = "loc1") -> tuple[int, str]:  # type: ignore[no-untyped-def]
    h = compute(images.astronaut()).hex
    region = {"start": 0, "end": 0, "type": "region",
              "detail": {"media": "https://x/a.jpg", "x": 1, "y": 2, "w": 3, "h": 4, "pdq": h,
                         "pdq_variants": [compute(images.astronaut().crop((51, 0, 512, 512))).hex]}}
    case_id = factories.make_case(engine, categories=["child_identification"], location=location,
                                  text="Trip!", spans=[region])
    with session_scope(engine) as s:
        for f in s.exec(select(Finding)):
            f.classifier = "image_faces"
            s.add(f)
    return case_id, h


def test_a_manager_approves_a_cases_photos_with_their_variants(web) -> None:  # type: ignore[no-untyped-def]
    """One button stores the picture's hash and its crop hashes, by that manager."""
    engine, as_role = web
    case_id, h = photo_case(engine)
    c, csrf = as_role("manager")
    r = c.post(f"/cases/{case_id}/photos/approve", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    with session_scope(engine) as s:
        rows = s.exec(select(ApprovedImage)).all()
    assert {r.pdq for r in rows if r.variant_of is None} == {h} and len(rows) == 2
    assert {r.approved_by for r in rows} == {"manager"}


def test_a_viewer_cannot_approve_and_a_manager_cannot_reach_another_location(web) -> None:  # type: ignore[no-untyped-def]
    """403 for a role without decisions; 404 for a case outside the manager's locations."""
    engine, as_role = web
    case_id, _ = photo_case(engine)
    other, _ = photo_case(engine, location="loc2")
    viewer, vcsrf = as_role("viewer")
    assert viewer.post(f"/cases/{case_id}/photos/approve", data={"csrf_token": vcsrf}).status_code == 403
    manager, mcsrf = as_role("manager")
    assert manager.post(f"/cases/{other}/photos/approve", data={"csrf_token": mcsrf}).status_code == 404


def test_linking_a_child_to_a_cases_photo(web) -> None:  # type: ignore[no-untyped-def]
    """Only a picture of this case, only a child the user may see."""
    engine, as_role = web
    case_id, h = photo_case(engine)
    with session_scope(engine) as s:
        child = RosterChild(location_id="loc1", name_enc=crypto.encrypt("Amelia Hartley"),
                            name_fingerprint="fp-amelia", photo_consent="no")
        s.add(child)
        s.flush()
        child_id = child.id
    c, csrf = as_role("dsl")
    bad = c.post(f"/cases/{case_id}/photos/link", data={"csrf_token": csrf, "pdq": "0" * 64,
                                                        "roster_child_id": child_id})
    assert bad.status_code == 400
    ok = c.post(f"/cases/{case_id}/photos/link", data={"csrf_token": csrf, "pdq": h,
                                                       "roster_child_id": child_id}, follow_redirects=False)
    assert ok.status_code == 303
    with session_scope(engine) as s:
        assert {link.pdq for link in s.exec(select(ConsentLink))} >= {h}


def test_the_check_post_form_shows_findings_and_keeps_nothing(web) -> None:  # type: ignore[no-untyped-def]
    """Upload a draft with a GPS photo: the page says not to post it."""
    _, as_role = web
    c, csrf = as_role("manager")
    assert "Check a post" in c.get("/check-post").text
    r = c.post("/check-post", data={"csrf_token": csrf, "text": "Lovely day", "location": "loc1"},
               files=[("images", ("garden.jpg", images.jpeg(images.plain_scene(3), exif=images.gps_exif()),
                                  "image/jpeg"))])
    assert r.status_code == 200
    assert "Do not post this as it is" in r.text and "GPSInfo in" in r.text
