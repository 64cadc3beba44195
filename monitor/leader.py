"""Scheduler leadership through the database: jobs that must run on one replica only.

Polling (per-account lease), the pipeline (``FOR UPDATE SKIP LOCKED``) and the outbox
(SKIP LOCKED + claim lease) are safe on every replica. A few jobs are not worth making
safe row by row, or would do their work twice: escalation sweeps, the retention purge,
complaint reminders, the monthly report (``leader_jobs``). They run
only on the process holding the ``scheduler`` row of the ``Lease`` table.

Why a lease row and compare-and-set, not an advisory lock? An advisory lock lives on one
connection; the daemon's work runs on a pool of connections, and SQLite has no such
lock. A row with (holder, expires_at) taken with a conditional UPDATE works on both
databases, survives a connection being recycled, and shows who leads in ``safeguard
status``. A leader that dies stops renewing; after ``TTL`` seconds (at once, when the
holder was a process on this host that no longer exists) another replica takes over.

Clock skew: a process considers itself leader only until ``SAFETY`` seconds before its
lease expires, so two hosts whose clocks differ by less than that never both lead. Keep
the hosts on NTP.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from monitor import metrics
from monitor.clock import ensure_utc, utcnow
from monitor.db import session_scope
from monitor.models import Lease

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

    from monitor.daemon import Daemon

log = logging.getLogger(__name__)
LEASE_NAME = "scheduler"
TTL = 30.0  # seconds a lease lasts without renewal
RENEW = 10.0  # seconds between renewals
SAFETY = 5.0  # stop acting as leader this long before the lease runs out


class Leadership:
    """One process's view of the ``scheduler`` lease; ``tick()`` acquires or renews it."""

    def __init__(self, engine: Engine, worker: str, *, name: str = LEASE_NAME, ttl: float = TTL,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.worker = worker
        self.name = name
        self.ttl = ttl
        self.clock = clock
        self._until: datetime | None = None

    def is_leader(self) -> bool:
        return self._until is not None and self.clock() < self._until - timedelta(seconds=SAFETY)

    def tick(self) -> bool:
        """Acquire the lease if free (or its holder is dead), renew it if ours."""
        was = self.is_leader()
        now = self.clock()
        until = now + timedelta(seconds=self.ttl)
        try:
            won = self._cas(now, until)
        except Exception:
            self._until = None  # cannot prove we lead: stop leading
            metrics.leader(False)
            raise
        self._until = until if won else None
        if won != was:
            log.info("%s %s scheduler leadership", self.worker, "took" if won else "lost",
                     extra={"worker": self.worker})
        metrics.leader(won)
        return won

    def _cas(self, now: datetime, until: datetime) -> bool:
        from monitor.sync import _holder_is_dead  # same rule as the per-account poll lease

        with session_scope(self.engine) as session:
            row = session.get(Lease, self.name)
            if row is None:
                ins = (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)
                res = session.execute(ins(Lease).values(name=self.name, holder=self.worker,
                                                        expires_at=until)
                                      .on_conflict_do_nothing(index_elements=["name"]))
                return bool(res.rowcount)  # type: ignore[attr-defined]
            holder, expires = row.holder, row.expires_at
            stmt = update(Lease).where(Lease.name == self.name)  # type: ignore[arg-type]
            if holder == self.worker:
                stmt = stmt.where(Lease.holder == self.worker)  # type: ignore[arg-type]
            else:
                expired = (ensure_utc(expires) or now) <= now
                if not (expired or _holder_is_dead(holder)):
                    return False
                # compare-and-set: only if nobody renewed or took it since we read it
                stmt = stmt.where(Lease.holder == holder, Lease.expires_at == expires)  # type: ignore[arg-type]
            session.expunge(row)
            res = session.execute(stmt.values(holder=self.worker, expires_at=until))
            return bool(res.rowcount)  # type: ignore[attr-defined]

    def release(self) -> None:
        """Give the lease up on a clean stop, so another replica leads at once."""
        self._until = None
        metrics.leader(False)
        with session_scope(self.engine) as session:
            session.execute(update(Lease).where(Lease.name == self.name,  # type: ignore[arg-type]
                                                Lease.holder == self.worker)  # type: ignore[arg-type]
                            .values(expires_at=self.clock() - timedelta(seconds=1)))

    def gate(self, fn: Callable[[], Any]) -> Callable[[], None]:
        """``fn`` runs only while this process leads."""
        def run() -> None:
            if self.is_leader():
                fn()
        run.__name__ = getattr(fn, "__name__", "leader_job")
        return run


def current_leader(engine: Engine) -> str | None:
    with session_scope(engine) as session:
        row = session.get(Lease, LEASE_NAME)
        if row is None or (ensure_utc(row.expires_at) or utcnow()) <= utcnow():
            return None
        return row.holder


# -- the once-only jobs ---------------------------------------------------------------------
@dataclass(frozen=True)
class LeaderJob:
    name: str
    seconds: float
    run: Callable[[], None]
    first_after: float = 0.0


def retention(daemon: Daemon) -> None:
    """Purge caseless text past ``retention.text_days`` (monitor.web.retention)."""
    from monitor.web.retention import purge

    rt = daemon.rt
    with session_scope(rt.engine) as session:
        res = purge(session, text_days=rt.config.retention.text_days, now=utcnow(),
                    actor=f"daemon:{rt.worker}")
    log.info("retention purge: %s", res.as_dict())


def complaint_reminders(daemon: Daemon) -> None:
    from monitor.records.complaints import remind_due

    remind_due(daemon.rt.engine, daemon.rt.config, worker_id=daemon.rt.worker)


def monthly_reports(daemon: Daemon) -> None:
    """Last month's reports, sent once in the first days of a month (idempotent)."""
    from monitor.records.report_mail import monthly_reports_job

    monthly_reports_job(daemon.rt.engine, daemon.rt.config, worker_id=daemon.rt.worker)


def leader_jobs(daemon: Daemon) -> list[LeaderJob]:
    """What runs on the leader only."""
    return [
        LeaderJob("escalate", 30, daemon.escalate, first_after=5),
        LeaderJob("retention", 6 * 3600, functools.partial(retention, daemon), first_after=300),
        LeaderJob("complaint_reminders", 3600, functools.partial(complaint_reminders, daemon),
                  first_after=120),
        LeaderJob("monthly_reports", 3600, functools.partial(monthly_reports, daemon),
                  first_after=600),
    ]


def install(daemon: Daemon, sched: BaseScheduler) -> Leadership:
    """Add the renewal job and the leader-only jobs to the daemon's scheduler."""
    from apscheduler.triggers.interval import IntervalTrigger

    lead = Leadership(daemon.rt.engine, daemon.rt.worker)
    now = utcnow()
    sched.add_job(daemon._safe(lead.tick), IntervalTrigger(seconds=RENEW), id="leader",
                  next_run_time=now)
    for job in leader_jobs(daemon):
        runner = lead.gate(job.run)
        runner.__name__ = job.name
        sched.add_job(daemon._safe(runner), IntervalTrigger(seconds=job.seconds), id=job.name,
                      next_run_time=now + timedelta(seconds=job.first_after))
    return lead
