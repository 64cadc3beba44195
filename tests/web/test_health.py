"""Liveness and readiness endpoints."""

from __future__ import annotations

from fastapi.testclient import TestClient

from monitor.config import Config
from monitor.db import make_engine
from monitor.web import create_app


def test_healthz_and_readyz(client):
    """Both answer without signing in; readiness lists each account's health."""
    assert client.get("/healthz").json() == {"status": "ok"}
    body = client.get("/readyz").json()
    assert body["status"] == "ok" and body["accounts"] == {"fb1": "ok", "fb2": "ok"}


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path):
    """No database, not ready (the orchestrator stops routing traffic here)."""
    engine = make_engine(f"sqlite:///{tmp_path}/missing/dir/x.db")
    with TestClient(create_app(engine, Config(), session_secret="s")) as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["status"] == "unavailable"
        assert c.get("/healthz").status_code == 200
