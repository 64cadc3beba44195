"""``safeguard bench pipeline``: the whole daemon, one and two processes, on PostgreSQL.

Unlike ``bench ingest`` (one process calling ingest and the pipeline in a loop), this
runs real ``safeguard run`` processes with their scheduler, polling leases, pipeline
claims and outbox, so the figure includes every cost of running replicas: lease and
claim round trips, ``SKIP LOCKED`` contention, the audit chain's advisory lock.

Items/s is measured inside the database, from the first ``items.ingested`` audit event to
the last ``items.classified`` one (the batch that wrote the last cases and alert outbox
rows), so process start-up and model loading are not counted. Peak RSS is each
process's VmHWM, read just before it is stopped.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from monitor.replicas import Cluster, peak_rss_mb, wait_for


def measure(processes: int, *, items: int, accounts: int, workdir: Path,
            timeout: float = 600) -> dict[str, Any]:
    from monitor.db import session_scope
    from monitor.models import Alert, AuditEvent, Item
    from monitor.types import ItemState

    cl = Cluster(workdir / f"p{processes}", accounts=accounts)
    try:
        cl.setup()
        cl.add_items(items // accounts, flag_every=50)
        engine = cl.engine()

        def done() -> bool:
            with session_scope(engine) as s:
                n = s.exec(select(func.count()).select_from(Item)
                           .where(Item.state == ItemState.DONE.value)).one()
                a = s.exec(select(func.count()).select_from(Alert)).one()
            return n >= cl.items and a >= cl.flagged

        procs = cl.start(processes)
        if not wait_for(done, timeout, interval=0.5):
            raise RuntimeError(f"{processes} process(es): not done in {timeout:.0f} s\n{cl.logs()[-2000:]}")
        rss = [round(peak_rss_mb(p.pid)) for p in procs]
        for p in procs:
            cl.stop(p)
        with session_scope(engine) as s:
            first = s.exec(select(func.min(AuditEvent.at)).where(AuditEvent.action == "items.ingested")).one()
            last = s.exec(select(func.max(AuditEvent.at)).where(AuditEvent.action == "items.classified")).one()
            ingested = s.exec(select(func.max(AuditEvent.at)).where(AuditEvent.action == "items.ingested")).one()
        engine.dispose()
        seconds = max(1e-3, (last - first).total_seconds())
        return {"items": cl.items, "seconds": round(seconds, 2),
                "items_per_s": round(cl.items / seconds), "rss_mb": rss,
                "ingest_seconds": round(max(1e-3, (ingested - first).total_seconds()), 2)}
    finally:
        cl.close()


def run_bench(*, items: int = 20_000, accounts: int = 4, processes: tuple[int, ...] = (1, 2)) -> str:
    lines, parts = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in processes:
            r = measure(k, items=items, accounts=accounts, workdir=Path(tmp))
            rss = "/".join(str(x) for x in r["rss_mb"])
            lines.append(f"  {k} process(es): {r['items']} items in {r['seconds']} s "
                         f"(last item stored after {r['ingest_seconds']} s)")
            parts.append(f"{k} process{'es' if k > 1 else ''} {r['items_per_s']} items/s (RSS {rss} MB)")
    lines.append("pipeline postgresql: " + "; ".join(parts))
    return "\n".join(lines)
