"""Two real daemon processes on one PostgreSQL schema: exactly-once, then a takeover.

Both daemons (``python -m monitor.cli run``) poll six static accounts and drain the same
pipeline and outbox. The scheduler leader is then SIGKILLed mid-run and more items are
appended; the survivor must finish everything, poll the dead one's accounts and lead.
"""

from __future__ import annotations

import itertools
import mailbox
import signal
import socket
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from monitor.db import session_scope
from monitor.leader import current_leader
from monitor.models import Alert, AuditEvent, Case, Finding, Item, Lease
from monitor.replicas import Cluster, wait_for
from monitor.types import AlertStatus, ItemState

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ACCOUNTS = 6
FIRST, SECOND = 1200, 200  # items per account before and after the kill


def _events(engine, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)
                            .order_by(col(AuditEvent.seq))))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serving(port: int) -> bool:
    """The daemon's metrics endpoint answers: it has started and is running its jobs."""
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).close()
        return True
    except OSError:
        return False


def _count(engine, stmt) -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return int(s.exec(stmt).one())


def test_two_daemons_process_each_item_once_and_the_survivor_takes_over(tmp_path: Path) -> None:
    """Two replicas: one outcome per item; after SIGKILL of the leader, the other finishes and leads."""
    cl = Cluster(tmp_path, accounts=ACCOUNTS)
    cl.setup()
    engine = cl.engine()
    try:
        ports = [_free_port(), _free_port()]
        (a,), (b,) = (cl.start(1, SAFEGUARD_METRICS_PORT=str(port)) for port in ports)
        metrics_port = {a.pid: ports[0], b.pid: ports[1]}
        worker = {p.pid: f"{socket.gethostname()}:{p.pid}" for p in (a, b)}
        # Work arrives only once both replicas are up, so neither drains it alone during
        # the other's start-up; while one has still classified nothing, more arrives.
        assert wait_for(lambda: all(_serving(port) for port in ports), 60), cl.logs()[-3000:]
        cl.add_items(FIRST)
        both = {f"daemon:{w}" for w in worker.values()}
        classified_by = lambda: {e.actor for e in _events(engine, "items.classified")}
        for _ in range(6):
            if wait_for(lambda: both <= classified_by(), 15):
                break
            cl.add_items(FIRST // 4)
        assert wait_for(lambda: both <= classified_by()
                        and current_leader(engine) in worker.values(), 30), cl.logs()[-3000:]

        leader_w = current_leader(engine)
        victim, survivor = (a, b) if worker[a.pid] == leader_w else (b, a)
        done_at_kill = _count(engine, select(func.count()).select_from(Item)
                              .where(Item.state == ItemState.DONE.value))
        items_at_kill = cl.items
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        killed_at = datetime.now().astimezone()
        cl.add_items(SECOND)  # work that only the survivor can do

        def finished() -> bool:
            done = _count(engine, select(func.count()).select_from(Item)
                          .where(Item.state == ItemState.DONE.value))
            sent = _count(engine, select(func.count()).select_from(Alert)
                          .where(Alert.status == AlertStatus.SENT.value))
            return done == cl.items and sent == cl.flagged
        assert wait_for(finished, 120, interval=0.5), cl.logs()[-3000:]
        assert wait_for(lambda: current_leader(engine) == worker[survivor.pid], 30)
        scrape = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port[survivor.pid]}/metrics",
                                        timeout=10).read().decode()
        assert "safeguard_scheduler_leader 1.0" in scrape
        assert 'safeguard_items_ingested_total{platform="static"}' in scrape
        assert cl.stop(survivor) == 0, cl.logs()[-3000:]

        # every item stored once and classified once, in one batch by one process
        assert _count(engine, select(func.count()).select_from(Item)) == cl.items
        assert done_at_kill < items_at_kill, "the kill did not land mid-run"
        classified = _events(engine, "items.classified")
        assert sum(e.detail["items"] for e in classified) == cl.items  # type: ignore[index]
        assert {e.actor for e in classified} == {f"daemon:{w}" for w in worker.values()}
        with session_scope(engine) as s:
            batches_per_version = s.exec(
                select(Finding.item_id, Finding.item_version,
                       func.count(func.distinct(Finding.created_at)))
                .group_by(Finding.item_id, Finding.item_version)).all()
        assert len(batches_per_version) == cl.flagged
        assert all(n == 1 for *_, n in batches_per_version)

        # one case, one alert, one mail per flagged item
        assert _count(engine, select(func.count()).select_from(Case)) == cl.flagged
        assert _count(engine, select(func.count()).select_from(Alert)) == cl.flagged
        assert len(_events(engine, "alert.sent")) == cl.flagged
        ids = [m["Message-ID"] for m in mailbox.mbox(tmp_path / "alerts.mbox")]
        assert len(ids) == len(set(ids)) == cl.flagged

        # an account is never polled by two processes at once; nothing fetched twice
        ingested = _events(engine, "items.ingested")
        assert all(e.detail["unchanged"] == 0 for e in ingested)  # type: ignore[index]
        polls: dict[str, list[tuple[datetime, datetime, str]]] = {}
        for e in _events(engine, "account.polled"):
            start = datetime.fromisoformat(e.detail["started"])  # type: ignore[index]
            polls.setdefault(e.subject_id, []).append((start, e.at, e.actor))
        assert set(polls) == set(cl.account_ids)
        for spans in polls.values():
            spans.sort()
            for (_, end, _), (nxt, _, _) in itertools.pairwise(spans):
                assert nxt >= end, f"overlapping polls: {spans}"
            # the survivor polled every account after the kill, the dead one's included
            assert spans[-1][2] == f"daemon:{worker[survivor.pid]}"
            assert spans[-1][1] >= killed_at

        # the survivor took leadership over from the dead leader
        with session_scope(engine) as s:
            lease = s.get(Lease, "scheduler")
            assert lease is not None and lease.holder == worker[survivor.pid]
    finally:
        engine.dispose()
        cl.close()
