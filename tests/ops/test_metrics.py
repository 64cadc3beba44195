"""Prometheus metrics: the hooks count committed work and /metrics shows no content."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy.engine import Engine

from classifiers.keyword import KeywordClassifier
from monitor import metrics
from monitor.outbox import build_notifiers, deliver_due
from monitor.pipeline import Pipeline
from tests.helpers import ingest, item, org_config, setup_org


def _v(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_pipeline_and_outbox_feed_the_counters(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Findings by category, cases by severity, alerts sent with their latency."""
    cfg = org_config(tmp_path)
    setup_org(sqlite_engine, cfg)
    before = (_v("safeguard_findings_total", category="abuse"),
              _v("safeguard_items_processed_total"),
              sum(_v("safeguard_cases_opened_total", severity=s) for s in ("low", "medium", "high", "critical")),
              _v("safeguard_alerts_sent_total", channel="mailbox"),
              _v("safeguard_alert_delivery_seconds_count", channel="mailbox"))
    ingest(sqlite_engine, [item("c1", "you are a useless idiot"), item("c2", "lovely day")])
    res = Pipeline(sqlite_engine, cfg, [KeywordClassifier()]).process_pending()
    sent = deliver_due(sqlite_engine, cfg, build_notifiers(cfg), worker_id="w").sent
    after = (_v("safeguard_findings_total", category="abuse"),
             _v("safeguard_items_processed_total"),
             sum(_v("safeguard_cases_opened_total", severity=s) for s in ("low", "medium", "high", "critical")),
             _v("safeguard_alerts_sent_total", channel="mailbox"),
             _v("safeguard_alert_delivery_seconds_count", channel="mailbox"))
    assert after[0] - before[0] >= 1
    assert after[1] - before[1] == 2
    assert after[2] - before[2] == res.cases_opened == 1
    assert after[3] - before[3] == sent >= 1
    assert after[4] - before[4] == sent


def test_youtube_quota_comes_from_connector_diagnostics() -> None:
    """A connector reporting ``quota_used`` sets the quota gauge for its account."""
    class Yt:
        def diagnostics(self) -> dict[str, object]:
            return {"platform": "youtube", "quota_used": 153, "quota_limit": 10_000}
    metrics.connector_diagnostics("youtube", "yt-main", Yt())
    assert _v("safeguard_connector_quota_used", platform="youtube", account="yt-main") == 153


def test_a_broken_hook_never_breaks_the_work() -> None:
    """A connector whose diagnostics() raises is ignored by the metrics hook."""
    class Broken:
        def diagnostics(self) -> dict[str, object]:
            raise RuntimeError("boom")
    metrics.connector_diagnostics("x", "acc", Broken())  # no exception


def test_metrics_endpoint_serves_prometheus_text(sqlite_engine: Engine, tmp_path: Path) -> None:
    """GET /metrics: Prometheus exposition with pending-work gauges read from the database."""
    cfg = org_config(tmp_path)
    setup_org(sqlite_engine, cfg)
    ingest(sqlite_engine, [item("p1", "you are a useless idiot")])
    metrics.bind_database(sqlite_engine)
    app = FastAPI()
    app.include_router(metrics.metrics_router())
    resp = TestClient(app).get("/metrics")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    assert "safeguard_items_pending 1.0" in resp.text
    assert "safeguard_connector_errors_total" in resp.text or "safeguard_connector_errors" in resp.text
    assert "useless idiot" not in resp.text


def test_the_review_app_can_serve_metrics_beside_its_health_checks(sqlite_engine: Engine,
                                                                   tmp_path: Path) -> None:
    """Included in the real review app, /metrics needs no sign-in and /healthz still works."""
    from monitor.web.app import create_app

    cfg = org_config(tmp_path)
    app = create_app(sqlite_engine, cfg, session_secret="x" * 32)
    app.include_router(metrics.metrics_router())
    client = TestClient(app)
    assert client.get("/metrics").status_code == 200
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_busy_metrics_port_does_not_stop_the_daemon(monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    """Two replicas on one host with one env file: the second logs an error and runs on."""
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        monkeypatch.setenv("SAFEGUARD_METRICS_PORT", str(busy.getsockname()[1]))
        monkeypatch.setenv("SAFEGUARD_METRICS_ADDR", "127.0.0.1")
        metrics.serve_from_env()  # no exception
    assert "metrics server not started" in caplog.text
