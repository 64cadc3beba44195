"""The webhook endpoint: signed events are stored once; bad signatures are refused and recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from connectors.meta_webhooks import sign
from connectors.registry import ConnectorSecrets, build_connector
from monitor.config import parse_config
from monitor.db import session_scope
from monitor.models import AuditEvent, Item
from monitor.webhooks import webhook_router
from tests.helpers import setup_org

FIXTURE = Path(__file__).resolve().parents[2].parent / "shared/fixtures/platforms/facebook/webhooks/feed_comment_add.json"
SECRET = "app-secret-for-tests"


@pytest.fixture
def client(sqlite_engine, tmp_path):  # type: ignore[no-untyped-def]
    page = json.loads(FIXTURE.read_text())["entry"][0]["id"]
    cfg = parse_config({
        "locations": [{"id": "oak", "name": "Oakfield"}],
        "accounts": [{"id": "oak-fb", "platform": "facebook", "external_id": page,
                      "location": "oak", "token_env": "X_TOKEN"}],
        "alerts": {"mailbox_file": str(tmp_path / "m.mbox")},
    })
    setup_org(sqlite_engine, cfg)

    def factory(account_id: str):  # type: ignore[no-untyped-def]
        acc = cfg.account(account_id)
        assert acc is not None
        return build_connector(acc, ConnectorSecrets(token="t0ken", app_secret=SECRET,
                                                     verify_token="vt"))

    app = FastAPI()
    app.include_router(webhook_router(sqlite_engine, cfg, factory))
    return TestClient(app), sqlite_engine


def _items(engine) -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return s.exec(select(func.count()).select_from(Item)).one()


def test_a_signed_recorded_event_is_stored_and_a_replay_adds_nothing(client) -> None:  # type: ignore[no-untyped-def]
    """The recorded Page feed delivery, signed correctly, stores its comment exactly once."""
    http, engine = client
    body = FIXTURE.read_bytes()
    headers = {"X-Hub-Signature-256": sign(body, SECRET), "Content-Type": "application/json"}
    assert http.post("/webhooks/oak-fb", content=body, headers=headers).status_code == 200
    assert http.post("/webhooks/oak-fb", content=body, headers=headers).status_code == 200
    assert _items(engine) == 1
    with session_scope(engine) as s:
        item = s.exec(select(Item)).one()
    assert item.external_id == "690891113073877_759878495960329" and item.text == "手动点赞"


@pytest.mark.parametrize("signature", ["sha256=" + "0" * 64, None])
def test_a_bad_or_missing_signature_is_refused_and_recorded(client, signature) -> None:  # type: ignore[no-untyped-def]
    """403, nothing stored, and an audit event says a webhook was refused."""
    http, engine = client
    headers = {"X-Hub-Signature-256": signature} if signature else {}
    r = http.post("/webhooks/oak-fb", content=FIXTURE.read_bytes(), headers=headers)
    assert r.status_code == 403 and _items(engine) == 0
    with session_scope(engine) as s:
        assert s.exec(select(AuditEvent.action)).all() == ["webhook.refused"]


def test_the_subscription_handshake_echoes_the_challenge(client) -> None:  # type: ignore[no-untyped-def]
    """Meta's GET handshake is answered only with the right verify token."""
    http, _ = client
    ok = http.get("/webhooks/oak-fb", params={"hub.mode": "subscribe", "hub.verify_token": "vt",
                                              "hub.challenge": "1158201444"})
    bad = http.get("/webhooks/oak-fb", params={"hub.mode": "subscribe", "hub.verify_token": "no",
                                               "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.text) == (200, "1158201444") and bad.status_code == 403


def test_an_unknown_account_is_404(client) -> None:  # type: ignore[no-untyped-def]
    """Events for accounts not in the configuration are not accepted."""
    http, _ = client
    assert http.post("/webhooks/nope", content=b"{}").status_code == 404
