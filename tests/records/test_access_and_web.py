"""Who may build and open which pack, and the records pages inside the review app."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.clock import FrozenClock
from monitor.db import session_scope
from monitor.models import AuditEvent, Case, User
from monitor.records.access import can_access_pack
from monitor.records.evidence_verify import verify_pack
from monitor.records.web import router
from monitor.web import create_app
from tests.web import factories

SECRET_TEXT = "he hits me and said keep it a secret"


def _user(role: str, locations: list[str] | None = None, active: bool = True) -> User:
    return User(username=role, role=role, locations=locations or [], password_hash="x", active=active)


def _case(categories: list[str], location: str = "loc1") -> Case:
    return Case(item_id=1, item_version=1, account_id="fb1", location_id=location, platform="facebook",
                severity="high", categories=categories)


@pytest.mark.parametrize(("role", "locations", "categories", "location", "allowed"), [
    ("dsl", [], ["safeguarding"], "loc1", True),
    ("deputy_dsl", [], ["safeguarding", "abuse"], "loc2", True),
    ("admin", [], ["safeguarding"], "loc1", False),
    ("setting_manager", ["loc1"], ["safeguarding"], "loc1", False),
    ("viewer", [], ["safeguarding"], "loc1", False),
    ("admin", [], ["abuse"], "loc1", True),
    ("setting_manager", ["loc1"], ["complaint"], "loc1", True),
    ("setting_manager", ["loc1"], ["complaint"], "loc2", False),
    ("viewer", [], ["complaint"], "loc1", False),
    ("nonsense", [], ["complaint"], "loc1", False),
])
def test_who_may_access_which_pack(role: str, locations: list[str], categories: list[str],
                                   location: str, allowed: bool) -> None:
    """Safeguarding packs: DSL and deputy only; others: admins and the location's manager."""
    assert can_access_pack(_user(role, locations), _case(categories, location)) is allowed


def test_a_deactivated_dsl_gets_no_pack() -> None:
    """An account that was switched off opens nothing."""
    assert not can_access_pack(_user("dsl", active=False), _case(["safeguarding"]))


@pytest.fixture
def web(tmp_path, engine: Engine) -> Iterator[tuple[FastAPI, Engine]]:  # type: ignore[no-untyped-def]
    factories.seed_org(engine)
    cfg = factories.config().model_copy(update={"records": factories.config().records.model_copy(
        update={"signing_key_file": str(tmp_path / "ev.key")})})
    app = create_app(engine, cfg, clock=FrozenClock(factories.T0), session_secret="t")
    app.include_router(router)
    yield app, engine


def _client(app: FastAPI, role: str) -> tuple[TestClient, str]:
    c = TestClient(app, base_url="http://testserver")
    return c, factories.login(c, role)


def test_pack_downloads_follow_the_rules_and_are_audited(web: tuple[FastAPI, Engine]) -> None:
    """DSL and deputy get the safeguarding pack; admin 403; manager and viewer 404 (not even told)."""
    app, engine = web
    sg = factories.make_case(engine, categories=["safeguarding"], status="escalated", text=SECRET_TEXT)
    expect = {"dsl": 200, "deputy": 200, "admin": 403, "manager": 404, "viewer": 404}
    for role, status in expect.items():
        c, csrf = _client(app, role)
        r = c.post(f"/cases/{sg}/evidence", headers={"X-CSRF-Token": csrf})
        assert r.status_code == status, (role, r.status_code)
        if status == 200:
            assert verify_pack(r.content).ok
            assert zipfile.ZipFile(io.BytesIO(r.content)).read("content/text/v1.txt").decode() == SECRET_TEXT
        else:
            assert SECRET_TEXT not in r.text
    with session_scope(engine) as s:
        acts = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.subject_id == str(sg)))]
    assert acts.count("evidence.built") == 2 and acts.count("evidence.opened") == 2


def test_a_manager_gets_packs_for_own_location_only(web: tuple[FastAPI, Engine]) -> None:
    """A complaint case at the manager's location: yes; at another location: 404; no CSRF: 403."""
    app, engine = web
    mine = factories.make_case(engine, categories=["complaint"], status="escalated")
    theirs = factories.make_case(engine, categories=["complaint"], status="escalated", location="loc2")
    c, csrf = _client(app, "manager")
    assert c.post(f"/cases/{mine}/evidence").status_code == 403  # CSRF
    assert c.post(f"/cases/{mine}/evidence", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert c.post(f"/cases/{theirs}/evidence", headers={"X-CSRF-Token": csrf}).status_code == 404
    unescalated = factories.make_case(engine, categories=["complaint"])
    assert c.post(f"/cases/{unescalated}/evidence", headers={"X-CSRF-Token": csrf}).status_code == 422


def test_a_manager_logs_and_answers_a_complaint(web: tuple[FastAPI, Engine]) -> None:
    """Open from the case, see the deadline, record the outcome, export the log as CSV."""
    app, engine = web
    case = factories.make_case(engine, categories=["complaint"], text="=cmd|' /C calc'!A0 <b>bold</b>")
    c, csrf = _client(app, "manager")
    r = c.post(f"/cases/{case}/complaint", data={"csrf_token": csrf, "summary": "<b>Bruise</b> not reported",
                                                 "received_on": "2026-10-20"}, follow_redirects=False)
    assert r.status_code == 303
    page = c.get(r.headers["location"])
    assert page.status_code == 200 and "&lt;b&gt;Bruise&lt;/b&gt;" in page.text and "17 Nov 2026" in page.text
    listing = c.get("/records/complaints")
    assert "need a response" in listing.text and "due in 8 day(s)" not in listing.text  # 26 Nov: overdue
    assert "OVERDUE" in listing.text
    upd = c.post(r.headers["location"], data={"csrf_token": csrf, "outcome": "Apology sent",
                                              "complainant_told_on": "2026-11-20", "status": "responded"},
                 follow_redirects=False)
    assert upd.status_code == 303
    assert "need a response" not in c.get("/records/complaints").text
    csv = c.get("/records/complaints/export", params={"from": "2026-10-01", "to": "2026-10-31", "format": "csv"})
    assert csv.status_code == 200 and "answered 3 day(s) late" in csv.text
    v, _ = _client(app, "viewer")
    assert v.post(f"/cases/{case}/complaint", data={"summary": "x"},
                  headers={"X-CSRF-Token": _}).status_code == 403


def test_reports_are_scoped_to_the_reader(web: tuple[FastAPI, Engine]) -> None:
    """A manager sees their location without safeguarding cases; the DSL sees everything."""
    app, engine = web
    factories.make_case(engine, categories=["safeguarding"], text=SECRET_TEXT)
    factories.make_case(engine, categories=["abuse"], text="you useless lot")
    m, _ = _client(app, "manager")
    page = m.get("/records/report", params={"month": "2026-11"})
    assert page.status_code == 200 and "Oak Street" in page.text
    assert "hits me" not in page.text and "safeguarding:" not in page.text
    assert "not included in this report" in page.text
    assert m.get("/records/report", params={"month": "2026-11", "location": "loc2"}).status_code == 404
    chart = m.get("/records/report/chart/categories.png", params={"month": "2026-11"})
    assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")
    d, _ = _client(app, "dsl")
    org = d.get("/records/report", params={"month": "2026-11"})
    assert "Whole organisation" in org.text and "safeguarding: 1" in org.text and "hits me" not in org.text
    assert d.get("/records/report.pdf", params={"month": "2026-11"}).content.startswith(b"%PDF")
    v, _ = _client(app, "viewer")
    assert v.get("/records/report", params={"month": "2026-11"}).status_code == 403


def test_the_queue_banner_and_case_panel_respect_scope(web: tuple[FastAPI, Engine]) -> None:
    """The banner lists only complaints the reader may see; the panel offers only what they may do."""
    from datetime import date

    from monitor.records.complaints import open_complaint
    from monitor.records.web import case_panel, due_banner

    app, engine = web
    cfg = app.state.web.config
    mine = factories.make_case(engine, categories=["complaint"])
    theirs = factories.make_case(engine, categories=["complaint"], location="loc2")
    sg = factories.make_case(engine, categories=["safeguarding"], status="escalated")
    with session_scope(engine) as s:
        for cid in (mine, theirs):
            open_complaint(s, s.get(Case, cid), actor="dsl", config=cfg, now=factories.T0,  # type: ignore[arg-type]
                           summary="<script>x</script>", received_on=date(2026, 10, 20))
        users = {u.username: u for u in s.exec(select(User))}
        manager_banner = str(due_banner(s, users["manager"], cfg, factories.T0))
        dsl_banner = str(due_banner(s, users["dsl"], cfg, factories.T0))
        assert "1 complaint(s)" in manager_banner and "Elm Road" not in manager_banner
        assert dsl_banner.count("overdue") == 2 and "<script>" not in dsl_banner
        panel_dsl = str(case_panel(s, users["dsl"], s.get(Case, sg), "tok"))  # type: ignore[arg-type]
        panel_admin = str(case_panel(s, users["admin"], s.get(Case, sg), "tok"))  # type: ignore[arg-type]
    assert "evidence pack" in panel_dsl and "evidence pack" not in panel_admin
