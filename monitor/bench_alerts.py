"""``bench alerts``: webhook event received → Slack API call made, at a steady event rate.

Everything is real except the two ends: a signed Facebook ``feed`` webhook is POSTed to a
small local endpoint, which verifies and parses it with the real Facebook connector and
answers once the item is stored (``store.ingest_batch``, group-committed by one ingest
thread, so a burst of webhooks is one transaction rather than a queue of writers); a worker thread runs the real pipeline
(``Pipeline.process_pending``, keyword classifier unless ``--trained``) and the real
outbox (``deliver_due``) with the Slack notifier pointed at the fake Slack Web API on
loopback. Latency per event is from the webhook request's arrival to the arrival of its
``chat.postMessage`` at the fake Slack (the case id travels in the message metadata).

Why a worker thread woken by the endpoint, rather than everything in the request? That is
how the daemon runs: the webhook answers Meta at once (Meta retries slow endpoints), and
one sender drains the outbox in batches.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import queue
import secrets
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from sqlmodel import col, select

from connectors.base import Batch, WebhookRequest
from connectors.meta_webhooks import sign
from monitor.config import Config, parse_config
from monitor.db import make_engine, migrate, session_scope
from monitor.models import Case, Item
from monitor.testing.fake_slack import serve_forever

log = logging.getLogger(__name__)
PAGE_ID = "1000000001"
TEXTS = (
    "you are useless and pathetic, comment {i}",
    "this is a disgrace, I'm going to ofsted about it ({i})",
    "he said my dad hits me and to keep it a secret {i}",
    "shocking service, not good enough, complaint number {i}",
)


@dataclass
class BenchResult:
    rate: float
    seconds: float
    events: int
    delivered: int
    latencies_ms: list[float]
    slack_calls: int

    def summary(self) -> str:
        if not self.latencies_ms:
            return f"webhook->slack: no Slack calls made ({self.events} events sent)"
        lat = sorted(self.latencies_ms)
        p50 = statistics.median(lat)
        p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]
        lost = self.events - self.delivered
        return (f"webhook->slack: p50 {p50:.0f} ms, p95 {p95:.0f} ms at {self.rate:g} events/s "
                f"for {self.seconds:g} s ({self.events} events, {self.slack_calls} Slack calls, "
                f"{lost} undelivered)")


def _config(slack_url: str, secret_env: str) -> Config:
    return parse_config({
        "organisation": "Bench Childcare",
        "review_url": "http://127.0.0.1:8000",
        "people": [
            {"id": "sm", "name": "Sam Manager", "slack_user": "U0SAM"},
            {"id": "dsl", "name": "Dana DSL", "slack_user": "U0DSL"},
            {"id": "deputy", "name": "Dev Deputy", "slack_user": "U0DEP"},
        ],
        "dsl": "dsl", "deputy_dsl": "deputy", "admins": ["dsl"],
        "locations": [{"id": "oak", "name": "Oakfield Club", "setting_managers": ["sm"]}],
        "accounts": [{"id": "fb-oak", "platform": "facebook", "external_id": PAGE_ID,
                      "location": "oak", "app_secret_env": secret_env}],
        "classifiers": ["keyword"],
        "alerts": {"slack": {"base_url": slack_url}},
    })


def serialise_sqlite_writers(engine: Any) -> None:
    """Queue this process's SQLite transactions on a Python lock before ``BEGIN IMMEDIATE``.

    Why? SQLite's busy handler polls with sleeps of up to 100 ms and no fairness, so with
    a dozen webhook threads and the sender all writing, an unlucky writer can wait seconds.
    A Python lock queues them promptly instead. (A candidate for ``db.make_engine``.)
    """
    if engine.dialect.name != "sqlite":
        return
    lock = threading.Lock()

    def acquire(conn: Any) -> None:
        lock.acquire()
        conn.info["bench_writer_lock"] = True

    def release(conn: Any) -> None:
        if conn.info.pop("bench_writer_lock", False):
            lock.release()

    event.listen(engine, "begin", acquire, insert=True)
    event.listen(engine, "commit", release)
    event.listen(engine, "rollback", release)


def _event(i: int) -> dict[str, Any]:
    now = int(time.time())
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": now, "changes": [{"field": "feed", "value": {
        "from": {"id": f"9{i:08d}", "name": "A Parent"},
        "post": {"id": f"{PAGE_ID}_555", "status_type": "mobile_status_update", "is_published": True},
        "message": TEXTS[i % len(TEXTS)].format(i=i), "post_id": f"{PAGE_ID}_555",
        "comment_id": f"555_{i}", "created_time": now, "item": "comment",
        "parent_id": f"{PAGE_ID}_555", "verb": "add"}}]}]}


def send_events(url: str, app_secret: str, rate: float, total: int) -> None:
    """Play Meta: POST ``total`` signed feed events at ``rate`` per second (own process)."""
    client = httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=16))

    def post(i: int) -> None:
        body = json.dumps(_event(i)).encode()
        client.post(url, content=body, headers={"content-type": "application/json",
                                                "x-hub-signature-256": sign(body, app_secret)})

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for i in range(total):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(post, i)
    client.close()


def _slack_posts(slack_url: str) -> list[dict[str, Any]]:
    calls = httpx.get(slack_url.replace("/api/", "/_fake/calls"), timeout=30).json()["calls"]
    return [c for c in calls if c["method"] == "chat.postMessage"]


class _Endpoint(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handle: Any) -> None:
        self.handle_event = handle
        super().__init__(("127.0.0.1", 0), _WebhookHandler)


class _WebhookHandler(BaseHTTPRequestHandler):
    server: _Endpoint
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        arrived = time.monotonic()
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        status = self.server.handle_event(WebhookRequest(
            method="POST", headers={k.lower(): v for k, v in self.headers.items()}, query={}, body=body),
            arrived)
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()


def run_bench(*, rate: float = 50.0, seconds: float = 60.0, trained: bool = False,
              db: str | None = None) -> BenchResult:
    from classifiers.keyword import KeywordClassifier
    from connectors.common import ConnectorSecrets
    from connectors.facebook.connector import FacebookPageConnector
    from monitor.accounts import sync_from_config
    from monitor.outbox import build_notifiers, deliver_due
    from monitor.pipeline import Pipeline
    from monitor.store import ingest_batch

    tmp = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    token = "xoxb-bench-" + secrets.token_hex(8)
    app_secret = secrets.token_hex(16)
    saved_env = {k: os.environ.get(k) for k in ("SAFEGUARD_SLACK_TOKEN", "BENCH_FB_APP_SECRET")}
    os.environ["SAFEGUARD_SLACK_TOKEN"] = token
    os.environ["BENCH_FB_APP_SECRET"] = app_secret
    # The fake Slack and the webhook sender run in their own processes, as Slack and Meta
    # are: on a shared machine one process's GIL would otherwise carry all three.
    ctx = multiprocessing.get_context("spawn")
    ports: Any = ctx.Queue()
    slack_stop = ctx.Event()
    slack_proc = ctx.Process(target=serve_forever, args=(token, ports, slack_stop), daemon=True)
    slack_proc.start()
    slack_url = f"http://127.0.0.1:{ports.get(timeout=30)}/api/"
    config = _config(slack_url, "BENCH_FB_APP_SECRET")
    engine = make_engine(db or f"sqlite:///{tmp / 'bench.db'}")
    migrate(engine)
    serialise_sqlite_writers(engine)
    with session_scope(engine) as s:
        sync_from_config(s, config)
    account = config.accounts[0]
    connector = FacebookPageConnector.from_config(
        account, ConnectorSecrets(token="unused", app_secret=app_secret))
    classifiers: list[Any] = [KeywordClassifier()]
    if trained:
        try:
            from monitor.runtime import build_classifiers, setting_context

            classifiers = build_classifiers(["default"], setting_context(config))
        except Exception as err:  # noqa: BLE001 - fall back, and say so
            log.warning("trained classifiers unavailable (%s); using the keyword classifier", err)
    pipeline = Pipeline(engine, config, classifiers, worker_id="bench")
    notifiers = build_notifiers(config)
    received: dict[str, float] = {}
    wake = threading.Event()
    stop = threading.Event()

    pending: queue.Queue[tuple[list[Any], threading.Event]] = queue.Queue()

    def handle(request: WebhookRequest, arrived: float) -> int:
        """Verify and parse, then wait until the items are committed before answering 200."""
        resp = connector.handle_webhook(request)
        if resp.status != 200 or not resp.items:
            return resp.status
        for it in resp.items:
            received[it.external_id] = arrived
        stored = threading.Event()
        pending.put((list(resp.items), stored))
        return 200 if stored.wait(10) else 503

    def ingester() -> None:
        """Group commit: every event waiting is stored in one transaction."""
        while not stop.is_set():
            try:
                first = pending.get(timeout=0.2)
            except queue.Empty:
                continue
            group = [first]
            while True:
                try:
                    group.append(pending.get_nowait())
                except queue.Empty:
                    break
            with session_scope(engine) as s:
                ingest_batch(s, account_id=account.id, platform="facebook",
                             batch=Batch(items=[it for items, _ in group for it in items],
                                         stream="webhook"))
            for _, stored in group:
                stored.set()
            wake.set()

    def worker() -> None:
        while not stop.is_set():
            wake.wait(0.2)
            wake.clear()
            while True:
                processed = pipeline.process_pending(limit=256).items
                sent = deliver_due(engine, config, notifiers, worker_id="bench", limit=256).sent
                if not processed and not sent:
                    break

    threading.Thread(target=ingester, daemon=True).start()
    endpoint = _Endpoint(handle)
    threading.Thread(target=endpoint.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{endpoint.server_address[1]}/webhooks/fb-oak"
    sender = threading.Thread(target=worker, daemon=True)
    sender.start()
    total = int(rate * seconds)
    load = ctx.Process(target=send_events, args=(url, app_secret, rate, total), daemon=True)
    try:
        load.start()
        load.join(seconds + 60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(received) < total:
            time.sleep(0.1)
        while time.monotonic() < deadline and len(_slack_posts(slack_url)) < len(received):
            time.sleep(0.2)
        posts = _slack_posts(slack_url)
    finally:
        stop.set()
        wake.set()
        sender.join(5)
        endpoint.shutdown()
        slack_stop.set()
        slack_proc.join(5)
        if load.is_alive():
            load.terminate()
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    with session_scope(engine) as s:
        ext_of = {cid: ext for cid, ext in s.exec(
            select(Case.id, Item.external_id).join(Item, col(Item.id) == col(Case.item_id)))}
    first_post: dict[str, float] = {}
    for c in posts:
        meta = c.get("metadata") or {}
        if isinstance(meta, str):
            meta = json.loads(meta)
        ext = ext_of.get(int((meta.get("event_payload") or {}).get("case_id") or 0))
        if ext is not None and ext not in first_post:
            first_post[ext] = c["at"]
    lat = [(first_post[e] - received[e]) * 1000 for e in first_post if e in received]
    engine.dispose()
    return BenchResult(rate=rate, seconds=seconds, events=total, delivered=len(lat),
                       latencies_ms=lat, slack_calls=len(posts))
