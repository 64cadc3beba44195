"""Prometheus metrics: what an operator watches to know the monitor is doing its job.

Why counters at the edges, not a metrics layer? The lead's modules call one small
function each (``ingested``, ``pipeline_batch``, ``alert_sent``...) after the work is
committed; everything Prometheus-specific stays in this file, and a hook never raises
(a broken metric must not stop a safeguarding alert).

Each replica exposes its own figures (per process, default registry); Prometheus sums
them. Gauges that describe the database rather than the process (pending items, alerts
waiting) are read at scrape time from the database, at most every few seconds.

Exposed by ``/metrics`` (``metrics_router()``, included in the review app) or by a bare
HTTP server (``serve(port)``, ``SAFEGUARD_METRICS_PORT`` for ``safeguard run``). No
label carries content, a handle or a token: platform, account id, category, severity,
channel and error class only.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)

log = logging.getLogger(__name__)

ITEMS_INGESTED = Counter("safeguard_items_ingested", "Item versions stored (new or edited)",
                         ["platform"])
FINDINGS = Counter("safeguard_findings", "Classifier findings recorded", ["category"])
CASES_OPENED = Counter("safeguard_cases_opened", "Cases opened", ["severity"])
ITEMS_PROCESSED = Counter("safeguard_items_processed", "Item versions through the pipeline")
ALERTS_SENT = Counter("safeguard_alerts_sent", "Alerts delivered", ["channel"])
ALERT_FAILURES = Counter("safeguard_alert_failures", "Failed alert deliveries",
                         ["channel", "outcome"])  # outcome: retry | failed
ALERT_LATENCY = Histogram("safeguard_alert_delivery_seconds",
                          "Alert created → sent (includes retries and quiet-hours holds)",
                          ["channel"],
                          buckets=(1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600))
CONNECTOR_ERRORS = Counter("safeguard_connector_errors", "Polls that ended in an error",
                           ["platform", "kind"])  # kind: rate_limited | error | unhealthy
RATE_LIMIT_WAIT = Counter("safeguard_rate_limit_wait_seconds",
                          "Seconds of back-off asked for by platforms' rate limits", ["platform"])
QUOTA_USED = Gauge("safeguard_connector_quota_used",
                   "Platform quota units used today (YouTube Data API)", ["platform", "account"])
IS_LEADER = Gauge("safeguard_scheduler_leader", "1 while this process runs the once-only jobs")
ITEMS_PENDING = Gauge("safeguard_items_pending", "Item versions waiting to be classified")
ALERTS_WAITING = Gauge("safeguard_alerts_waiting", "Alerts pending or being sent")


def _never_raise(fn: Callable[..., None]) -> Callable[..., None]:
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except Exception:
            log.debug("metric %s failed", fn.__name__, exc_info=True)
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


# -- hooks called from sync / pipeline / outbox --------------------------------------------
@_never_raise
def ingested(platform: str, count: int) -> None:
    if count:
        ITEMS_INGESTED.labels(platform).inc(count)


@_never_raise
def poll_finished(platform: str, status: str) -> None:
    """Count a poll's failure by kind (``PollOutcome.status``); success is not counted here."""
    if status in ("rate_limited", "error", "unhealthy"):
        CONNECTOR_ERRORS.labels(platform, status).inc()


@_never_raise
def rate_limited(platform: str, wait_seconds: float) -> None:
    RATE_LIMIT_WAIT.labels(platform).inc(max(0.0, wait_seconds))


@_never_raise
def connector_diagnostics(platform: str, account: str, connector: Any) -> None:
    """Quota gauges from ``Connector.diagnostics()`` (YouTube reports ``quota_used``)."""
    diagnostics: Mapping[str, Any] = connector.diagnostics() if hasattr(connector, "diagnostics") else {}
    used = diagnostics.get("quota_used")
    if isinstance(used, (int, float)):
        QUOTA_USED.labels(platform, account).set(used)


@_never_raise
def pipeline_batch(findings: Iterable[Mapping[str, Any]],
                   events: Iterable[tuple[str, str, str, str, Mapping[str, Any] | None]],
                   items: int) -> None:
    """After a committed batch: findings by category, cases opened by severity."""
    ITEMS_PROCESSED.inc(items)
    for f in findings:
        FINDINGS.labels(f["category"]).inc()
    for _actor, action, _stype, _sid, detail in events:
        if action == "case.opened" and detail:
            CASES_OPENED.labels(detail.get("severity", "unknown")).inc()


@_never_raise
def alert_sent(channel: str, created_at: datetime | None, sent_at: datetime | None) -> None:
    ALERTS_SENT.labels(channel).inc()
    if created_at is not None and sent_at is not None:
        from monitor.clock import ensure_utc

        created, sent = ensure_utc(created_at), ensure_utc(sent_at)
        assert created is not None and sent is not None
        ALERT_LATENCY.labels(channel).observe(max(0.0, (sent - created).total_seconds()))


@_never_raise
def alert_failed(channel: str, *, final: bool) -> None:
    ALERT_FAILURES.labels(channel, "failed" if final else "retry").inc()


def leader(is_leader: bool) -> None:
    IS_LEADER.set(1 if is_leader else 0)


# -- database gauges ----------------------------------------------------------------------
class _DbGauges:
    """Pending items and waiting alerts, read from the database at most every ``ttl`` s."""

    def __init__(self, engine: Any, ttl: float = 5.0) -> None:
        self.engine = engine
        self.ttl = ttl
        self._lock = threading.Lock()
        self._at = 0.0
        self._values = (0.0, 0.0)

    def _read(self) -> tuple[float, float]:
        with self._lock:
            if time.monotonic() - self._at < self.ttl:
                return self._values
            from sqlalchemy import func
            from sqlmodel import Session, col, select

            from monitor.models import Alert, Item
            from monitor.types import AlertStatus, ItemState

            try:
                with Session(self.engine) as s:
                    pending = s.exec(select(func.count()).select_from(Item)
                                     .where(Item.state == ItemState.PENDING.value)).one()
                    waiting = s.exec(select(func.count()).select_from(Alert).where(col(Alert.status).in_(
                        [AlertStatus.PENDING.value, AlertStatus.SENDING.value]))).one()
                self._values = (float(pending), float(waiting))
            except Exception:
                log.debug("metrics: database gauges unavailable", exc_info=True)
            self._at = time.monotonic()
            return self._values


def bind_database(engine: Any) -> None:
    """Let the pending-work gauges read ``engine`` at scrape time (idempotent)."""
    g = _DbGauges(engine)
    ITEMS_PENDING.set_function(lambda: g._read()[0])
    ALERTS_WAITING.set_function(lambda: g._read()[1])


# -- exposition ---------------------------------------------------------------------------
def render() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def metrics_router():  # type: ignore[no-untyped-def]
    """``GET /metrics`` for the review app: ``app.include_router(metrics_router())``.

    Unauthenticated like /healthz (counts only, no content); keep it off the public
    internet — the reverse proxy should not forward /metrics.
    """
    from fastapi import APIRouter, Response

    router = APIRouter(tags=["metrics"])

    @router.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        body, ctype = render()
        return Response(content=body, media_type=ctype)

    return router


_served: set[int] = set()


def serve(port: int, addr: str = "0.0.0.0") -> None:
    """A bare /metrics HTTP server in a daemon thread (``safeguard run`` without --web)."""
    if port in _served:
        return
    start_http_server(port, addr=addr)
    _served.add(port)
    log.info("metrics on http://%s:%d/metrics", addr, port)


def serve_from_env() -> None:
    """``SAFEGUARD_METRICS_PORT=9108`` starts :func:`serve` (0 or unset: off)."""
    raw = os.environ.get("SAFEGUARD_METRICS_PORT", "").strip()
    if not raw or raw == "0":
        return
    try:
        serve(int(raw), os.environ.get("SAFEGUARD_METRICS_ADDR", "0.0.0.0"))
    except (OSError, ValueError) as err:  # a busy port must not stop the monitoring itself
        log.error("metrics server not started on SAFEGUARD_METRICS_PORT=%s: %s", raw, err)
