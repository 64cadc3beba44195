"""Take-downs through the real Facebook connector against the fake Graph API on loopback."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from monitor.models import AuditEvent, Case, Item, Takedown
from tests.web import factories
from tests.web.conftest import build_app
from tests.web.fake_platform import connector_factory, flagged_comment


@pytest.fixture
def fb_app(engine, clock, server):  # type: ignore[no-untyped-def]
    factories.seed_org(engine)
    return build_app(engine, clock, connector_factory=connector_factory(server))


def _dsl(app) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    c = TestClient(app, base_url="http://testserver")
    return c, factories.login(c, "dsl")


def test_hide_needs_confirmation_then_hides_on_the_platform(fb_app, engine, server):
    """The first step only asks; the confirmed post hides the comment on Facebook."""
    fc = flagged_comment(server, engine, "you are a disgrace")
    c, tok = _dsl(fb_app)
    page = c.get(f"/cases/{fc.case_id}/takedown", params={"action": "hide"})
    assert page.status_code == 200 and "Yes, hide it" in page.text
    assert not server.world.comment(fc.comment_id).hidden
    r = c.post(f"/cases/{fc.case_id}/takedown", data={"csrf_token": tok, "action": "hide"},
               follow_redirects=False)  # no confirm: back to the confirmation page
    assert r.headers["location"].endswith("/takedown?action=hide")
    assert not server.world.comment(fc.comment_id).hidden
    r = c.post(f"/cases/{fc.case_id}/takedown", data={"csrf_token": tok, "action": "hide", "confirm": "yes"},
               follow_redirects=False)
    assert r.headers["location"].endswith("done=takedown_done")
    assert server.world.comment(fc.comment_id).hidden
    with Session(engine) as s:
        td = s.exec(select(Takedown).where(Takedown.case_id == fc.case_id)).one()
        assert (td.status, td.action, td.requested_by) == ("done", "hide", "dsl")
        case = s.get(Case, fc.case_id)
        assert case.status == "actioned" and s.get(Item, case.item_id).hidden
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.subject_id == str(fc.case_id)))]
        assert actions.index("takedown.requested") < actions.index("takedown.done")


def test_delete_through_the_api(fb_app, engine, server):
    """The API take-down needs confirm=true and deletes the comment on the platform."""
    fc = flagged_comment(server, engine, "I know where you live")
    c, tok = _dsl(fb_app)
    r = c.post(f"/api/cases/{fc.case_id}/takedown", json={"action": "delete", "confirm": False},
               headers={"X-CSRF-Token": tok})
    assert r.status_code == 422 and not server.world.comment(fc.comment_id).deleted
    r = c.post(f"/api/cases/{fc.case_id}/takedown", json={"action": "delete", "confirm": True},
               headers={"X-CSRF-Token": tok})
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert server.world.comment(fc.comment_id).deleted


def test_platform_failure_is_recorded_not_hidden(fb_app, engine, server):
    """A refused take-down is stored as failed with the platform's answer, and shown."""
    fc = flagged_comment(server, engine, "awful place")
    server.fail("facebook", "server_error", times=None)
    c, tok = _dsl(fb_app)
    r = c.post(f"/cases/{fc.case_id}/takedown", data={"csrf_token": tok, "action": "hide", "confirm": "yes"})
    assert r.status_code == 200 and "FAILED" in r.text
    server.clear_failures()
    with Session(engine) as s:
        td = s.exec(select(Takedown).where(Takedown.case_id == fc.case_id)).one()
        assert td.status == "failed" and td.result
        assert s.get(Case, fc.case_id).status == "new"
    assert not server.world.comment(fc.comment_id).hidden


def test_without_a_connector_the_request_fails_clearly(app, engine, as_role):
    """No connector configured: the take-down is recorded as failed with the reason."""
    cid = factories.make_case(engine, categories=["abuse"])
    c, tok = as_role("manager")
    c.post(f"/cases/{cid}/takedown", data={"csrf_token": tok, "action": "hide", "confirm": "yes"})
    with Session(engine) as s:
        td = s.exec(select(Takedown).where(Takedown.case_id == cid)).one()
        assert td.status == "failed" and "no connector" in td.result


def test_runtime_connector_factory_takes_down_on_the_fake(engine, server, monkeypatch):
    """``safeguard web`` passes Runtime.connector_factory: config + token env → real connector."""
    from monitor.config import parse_config
    from monitor.db import session_scope
    from monitor.runtime import Runtime
    from monitor.web.takedown import request_takedown

    monkeypatch.setenv("TEST_FB_TOKEN", "tok")
    config = parse_config({"locations": [{"id": "loc1", "name": "Oak"}], "accounts": [
        {"id": "fb1", "platform": "facebook", "external_id": "p1", "location": "loc1",
         "token_env": "TEST_FB_TOKEN", "base_url": server.base_url("facebook"),
         "options": {"timeout": 2.0}}]})
    factory = Runtime(config=config, engine=engine).connector_factory
    factories.seed_org(engine)
    fc = flagged_comment(server, engine, "rubbish nursery")
    with session_scope(engine) as s:
        user = s.exec(select(factories.User).where(factories.User.username == "dsl")).one()
        case = s.get(Case, fc.case_id)
        td = request_takedown(s, case, "delete", user, factory)
        assert td.status == "done", td.result
    assert server.world.comment(fc.comment_id).deleted
