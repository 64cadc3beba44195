"""``safeguard bench ingest``: items per second from ingest to the alert outbox.

Synthetic comments (one in fifty flagged) go through the real ``ingest_batch`` and the
real ``Pipeline`` with the keyword classifier — the classifier cost is measured on its
own by ``safeguard bench classify``; this measures the storage path. Ingest and
processing run in two threads, as the daemon's poll and process jobs do. Each backend
runs in its own process so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

PG_BASE = os.environ.get("SAFEGUARD_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _items(n: int, start: int, size: int):  # type: ignore[no-untyped-def]
    from connectors.base import FetchedItem
    from monitor.types import ItemKind

    out = []
    for i in range(start, min(n, start + size)):
        text = (f"Comment {i}: you are a useless idiot" if i % 50 == 0 else
                f"Comment {i}: thanks for a lovely week at club, the kids loved the crafts")
        out.append(FetchedItem(external_id=f"bench-{i}", kind=ItemKind.COMMENT, text=text,
                               author_name=f"Parent {i % 997}", author_handle=f"parent{i % 997}"))
    return out


def _one(backend: str, n: int, batch: int) -> dict[str, float | str]:
    from sqlalchemy import create_engine, text

    from classifiers.keyword import KeywordClassifier
    from connectors.base import Batch
    from monitor.accounts import sync_from_config
    from monitor.config import parse_config
    from monitor.db import make_engine, migrate, session_scope
    from monitor.pipeline import Pipeline
    from monitor.store import ingest_batch

    schema = None
    tmp = tempfile.TemporaryDirectory()
    if backend == "sqlite":
        url = f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    else:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    os.environ.setdefault("SAFEGUARD_SECRET_KEY_FILE", str(Path(tmp.name) / "key"))
    engine = make_engine(url)
    try:
        migrate(engine)
        cfg = parse_config({
            "people": [{"id": "sm", "name": "Sam", "email": "sam@example.org"}],
            "locations": [{"id": "oak", "name": "Oakfield", "setting_managers": ["sm"]}],
            "accounts": [{"id": "bench", "platform": "static", "external_id": "b", "location": "oak"}],
            "alerts": {"mailbox_file": str(Path(tmp.name) / "mbox")},
        })
        with session_scope(engine) as s:
            sync_from_config(s, cfg)
        pipe = Pipeline(engine, cfg, [KeywordClassifier()], worker_id="bench")
        # As in the daemon, ingest (the poll jobs) and classification (the process job) run
        # concurrently; the figure is wall time until every item has reached the outbox.
        done_ingesting = threading.Event()
        counts = {"cases": 0, "items": 0}

        def process() -> None:
            while True:
                r = pipe.process_pending(limit=batch)
                counts["cases"] += r.cases_opened
                counts["items"] += r.items
                if r.items == 0:
                    if done_ingesting.is_set() and counts["items"] >= n:
                        return
                    time.sleep(0.01)

        worker = threading.Thread(target=process, name="process")
        t0 = time.perf_counter()
        ingest_s = 0.0
        worker.start()
        for start in range(0, n, batch):
            items = _items(n, start, batch)
            t1 = time.perf_counter()
            with session_scope(engine) as s:
                ingest_batch(s, account_id="bench", platform="static",
                             batch=Batch(items=items, cursor=str(start + len(items))))
            ingest_s += time.perf_counter() - t1
        done_ingesting.set()
        worker.join()
        cases = counts["cases"]
        total = time.perf_counter() - t0
    finally:
        engine.dispose()
        if schema:
            admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        tmp.cleanup()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"backend": backend, "items": n, "cases": cases, "seconds": round(total, 2),
            "items_per_s": round(n / total), "ingest_items_per_s": round(n / ingest_s),
            "peak_rss_mb": round(rss_mb)}


def run_bench(*, n: int, batch: int, db: str | None = None, postgres: bool = False,
              backends: tuple[str, ...] = ("sqlite", "postgresql")) -> str:
    lines = []
    results = []
    for backend in backends:
        out = subprocess.run([sys.executable, "-m", "monitor.bench_ingest", "--backend", backend,
                              "-n", str(n), "--batch", str(batch)],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(r)
        lines.append(f"  {backend}: {r['items']} items in {r['seconds']} s, {r['cases']} cases; "
                     f"ingest alone {r['ingest_items_per_s']} items/s")
    lines.append("ingest→outbox " + "; ".join(
        f"{r['backend']}: {r['items_per_s']} items/s, peak RSS {r['peak_rss_mb']} MB" for r in results))
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", required=True)
    ap.add_argument("-n", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    a = ap.parse_args()
    print(json.dumps(_one(a.backend, a.n, a.batch)))
