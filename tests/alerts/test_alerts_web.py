"""The Slack interactivity endpoint (signatures: good, bad, stale, missing) and the email ack link."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.acklinks import make_token
from monitor.alerts_web import router, verify_slack_signature
from monitor.clock import FrozenClock
from monitor.config import Config
from monitor.db import session_scope
from monitor.models import AuditEvent, Case
from monitor.testing.fake_slack import FakeSlack, sign_slack_request
from tests.alerts.conftest import SIGNING_SECRET, alerts_config, open_case
from tests.conftest import SHARED

FIXTURES = SHARED / "fixtures" / "platforms" / "slack"


def test_signature_check_matches_slacks_documented_example() -> None:
    """The test vector from Slack's docs verifies, and fails once five minutes have passed."""
    v = json.loads((FIXTURES / "signing_example_slack_docs.json").read_text())
    body, ts, sig = v["body"].encode(), v["timestamp"], v["expected_signature"]
    assert verify_slack_signature(v["signing_secret"], ts, sig, body, now=int(ts) + 10) is None
    assert verify_slack_signature(v["signing_secret"], ts, sig, body, now=int(ts) + 301) == "stale timestamp"
    assert verify_slack_signature(v["signing_secret"], ts, sig, body + b"x", now=int(ts)) == "bad signature"
    assert verify_slack_signature("other-secret", ts, sig, body, now=int(ts)) == "bad signature"


@pytest.fixture
def web(db: Engine, tmp_path: Path, slack: FakeSlack,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, Config, int]]:
    monkeypatch.setenv("SAFEGUARD_ACK_SECRET", "ack-secret-for-tests")
    config = alerts_config(tmp_path, slack=slack)
    case_id = open_case(db, config, "you are useless and pathetic")
    app = FastAPI()
    app.include_router(router)
    app.state.web = SimpleNamespace(engine=db, config=config)
    with TestClient(app) as client:
        yield client, config, case_id


def block_actions_body(case_id: int, member: str = "U0SAM") -> bytes:
    """Bolt's recorded block_actions payload, with our button's action id and value."""
    payload: dict[str, Any] = json.loads((FIXTURES / "block_actions_payload_bolt_tests.json").read_text())
    payload["user"]["id"] = member
    payload["actions"][0].update(action_id="acknowledge", value=f"case:{case_id}:alert:1")
    return urlencode({"payload": json.dumps(payload)}).encode()


def acked_by(engine: Engine, case_id: int) -> str | None:
    with session_scope(engine) as s:
        case = s.get(Case, case_id)
        assert case is not None
        return case.acknowledged_by


def test_signed_acknowledge_click_acknowledges_the_case(web: Any, db: Engine) -> None:
    """A genuine, fresh click acknowledges as the person whose Slack member id clicked."""
    client, _, case_id = web
    body = block_actions_body(case_id)
    r = client.post("/slack/actions", content=body, headers=sign_slack_request(SIGNING_SECRET, body))
    assert r.status_code == 200 and r.json() == {"acknowledged": [case_id]}
    assert acked_by(db, case_id) == "sm-oak"
    with session_scope(db) as s:
        ev = s.exec(select(AuditEvent).where(AuditEvent.action == "case.acknowledged")).one()
        assert ev.detail is not None and ev.detail["via"] == "slack"


@pytest.mark.parametrize("tamper", ["bad", "stale", "missing", "future"])
def test_unsigned_or_replayed_clicks_are_refused(web: Any, db: Engine, tamper: str) -> None:
    """Wrong secret, a timestamp over five minutes off, or no signature: 401 and nothing changes."""
    client, _, case_id = web
    body = block_actions_body(case_id)
    headers = sign_slack_request(SIGNING_SECRET, body)
    if tamper == "bad":
        headers = sign_slack_request("not-the-secret", body)
    elif tamper == "stale":
        headers = sign_slack_request(SIGNING_SECRET, body, timestamp=int(time.time()) - 301)
    elif tamper == "future":
        headers = sign_slack_request(SIGNING_SECRET, body, timestamp=int(time.time()) + 301)
    else:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    r = client.post("/slack/actions", content=body, headers=headers)
    assert r.status_code == 401
    assert acked_by(db, case_id) is None


def test_signature_covers_the_body(web: Any, db: Engine) -> None:
    """A valid signature for one body does not carry over to another (a different case)."""
    client, _, case_id = web
    headers = sign_slack_request(SIGNING_SECRET, block_actions_body(case_id + 1))
    r = client.post("/slack/actions", content=block_actions_body(case_id), headers=headers)
    assert r.status_code == 401 and acked_by(db, case_id) is None


def test_email_link_shows_a_form_and_only_post_acknowledges(web: Any, db: Engine) -> None:
    """A mail scanner fetching the link (GET) acknowledges nothing; the button (POST) does."""
    client, config, case_id = web
    token = make_token(config, case_id, "dsl")
    page = client.get(f"/ack/{token}")
    assert page.status_code == 200 and "<form" in page.text and acked_by(db, case_id) is None
    done = client.post(f"/ack/{token}")
    assert done.status_code == 200 and acked_by(db, case_id) == "dsl"


def test_expired_or_forged_email_links_are_refused(web: Any, db: Engine) -> None:
    """After ack_link_hours the link is dead; a tampered token never works."""
    client, config, case_id = web
    with FrozenClock(datetime.now(UTC)) as clock:
        token = make_token(config, case_id, "dsl")
        assert token is not None
        clock.advance(hours=config.alerts.ack_link_hours + 1)
        assert client.post(f"/ack/{token}").status_code == 410
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.post(f"/ack/{forged}").status_code == 400
    assert acked_by(db, case_id) is None


def test_endpoints_work_on_the_outer_app_beside_the_review_page(
        db: Engine, tmp_path: Path, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mounted as monitor.webserve does (outer app, review page below), no CSRF check refuses Slack."""
    from monitor.alerts_web import alerts_router
    from monitor.web.app import create_app

    monkeypatch.setenv("SAFEGUARD_ACK_SECRET", "ack-secret-for-tests")
    config = alerts_config(tmp_path, slack=slack)
    case_id = open_case(db, config, "you are useless and pathetic")
    outer = FastAPI()
    outer.include_router(alerts_router(db, config))
    outer.mount("/", create_app(db, config, session_secret="test"))
    with TestClient(outer) as client:
        body = block_actions_body(case_id)
        r = client.post("/slack/actions", content=body, headers=sign_slack_request(SIGNING_SECRET, body))
        assert r.status_code == 200 and acked_by(db, case_id) == "sm-oak"
        token = make_token(config, case_id, "dsl")
        assert client.post(f"/ack/{token}").status_code == 200
        assert client.get("/login").status_code == 200  # the review page is still below
