"""The background daemon: APScheduler 3 jobs for polling, processing and alerting.

Jobs (each ``max_instances=1`` and ``coalesce=True``, so a slow run is never overlapped
and missed runs collapse into one):

- ``poll:<account>`` — one per account, on the account's own interval with jitter;
  failures are handled per account in ``monitor.sync`` and never reach the scheduler;
- ``process`` — drains PENDING items through the pipeline in batches;
- ``deliver`` — the alert outbox; ``escalate`` — unacknowledged alerts move up the chain;
- ``heartbeat`` — records that this process is alive (``safeguard status`` shows it).

SIGTERM and SIGINT stop the scheduler cleanly: running jobs finish their current batch
(every stored batch has its cursor saved with it), then the process exits.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.accounts import sync_from_config
from monitor.clock import utcnow
from monitor.config import AccountConfig
from monitor.db import require_schema, session_scope
from monitor.models import Lease
from monitor.runtime import Runtime
from monitor.sync import PollOutcome, poll_account

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 15


class Daemon:
    def __init__(self, rt: Runtime, *, process_interval: float = 2.0, deliver_interval: float = 5.0,
                 batch_size: int = 256,
                 on_poll: Callable[[PollOutcome], None] | None = None) -> None:
        self.rt = rt
        self.stop_event = threading.Event()
        self.process_interval = process_interval
        self.deliver_interval = deliver_interval
        self.batch_size = batch_size
        self.on_poll = on_poll
        self.scheduler: BackgroundScheduler | None = None
        self._pipeline = None
        self._roster_version = ""
        self._roster_checked = time.monotonic()
        self.leadership: Any = None  # monitor.leader: escalation, retention, reports on one replica

    # -- jobs -----------------------------------------------------------------------
    def poll(self, account: AccountConfig) -> None:
        if self.stop_event.is_set():
            return
        outcome = poll_account(self.rt, account, stop=self.stop_event)
        if outcome.status not in ("ok", "skipped", "backoff"):
            log.debug("poll %s: %s %s", account.id, outcome.status, outcome.detail)
        if self.on_poll:
            self.on_poll(outcome)

    def _roster_changed(self) -> bool:
        from monitor.roster import roster_version

        with session_scope(self.rt.engine) as session:
            version = roster_version(session)
        changed = version != self._roster_version
        self._roster_version = version
        return changed

    def process(self) -> int:
        now = time.monotonic()
        if self._pipeline is None or (now - self._roster_checked > 60 and self._roster_changed()):
            # (Re)load models in the job thread; a roster import is picked up within a minute.
            if self._pipeline is not None:
                log.info("roster changed: reloading classifiers")
                self.rt.__dict__.pop("classifiers", None)
            else:
                self._roster_changed()
            self._pipeline = self.rt.pipeline()
        if now - self._roster_checked > 60:
            self._roster_checked = now
        total = 0
        for _ in range(50):  # bounded so a flood cannot starve shutdown
            if self.stop_event.is_set():
                break
            self._prefetch_media()
            res = self._pipeline.process_pending(limit=self.batch_size)
            total += res.items
            if res.items == 0:
                break
        return total

    def _prefetch_media(self) -> None:
        """Fetch and analyse the next batch's photos before the pipeline's transaction.

        Downloads are slow and must not hold the batch's row locks; the image checks then
        find their results cached. Bounded by a deadline: what is not ready in time is
        finished inside the pipeline, within its own per-batch budget.
        """
        if not any(c.name.startswith("image_") for c in self.rt.classifiers):
            return
        from sqlmodel import select

        from classifiers.images.runtime import shared_runtime
        from monitor.models import Item
        from monitor.pipeline import is_pending

        with session_scope(self.rt.engine) as session:
            rows = session.exec(select(Item.media, Item.platform).where(is_pending())
                                .order_by(Item.id).limit(self.batch_size)).all()
        wanted = [(media, platform) for media, platform in rows if media]
        if wanted:
            shared_runtime().prefetch(wanted, deadline=time.monotonic() + 60)

    def deliver(self) -> None:
        from monitor.outbox import deliver_due

        for _ in range(20):  # drain a backlog now rather than 50 alerts per tick
            res = deliver_due(self.rt.engine, self.rt.config, self.rt.notifiers,
                              worker_id=self.rt.worker)
            if res.sent + res.retried + res.failed == 0 or self.stop_event.is_set():
                break

    def escalate(self) -> None:
        from monitor import escalation

        escalation.escalate_due(self.rt.engine, self.rt.config, worker_id=self.rt.worker)

    def heartbeat(self) -> None:
        with session_scope(self.rt.engine) as session:
            name = f"daemon:{self.rt.worker}"[:64]
            row = session.get(Lease, name) or Lease(name=name, holder=self.rt.worker,
                                                    expires_at=utcnow())
            row.expires_at = utcnow() + timedelta(seconds=HEARTBEAT_SECONDS * 3)
            session.add(row)

    # -- lifecycle --------------------------------------------------------------------
    def start(self) -> None:
        require_schema(self.rt.engine)
        with session_scope(self.rt.engine) as session:
            sync_from_config(session, self.rt.config)
        accounts = [a for a in self.rt.config.accounts if a.enabled]
        sched = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max(4, min(16, len(accounts) + 4)))},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        now = utcnow()
        for acc in accounts:
            jitter = max(1, int(acc.poll_interval * 0.1))
            sched.add_job(self.poll, IntervalTrigger(seconds=acc.poll_interval, jitter=jitter),
                          args=[acc], id=f"poll:{acc.id}", name=f"poll {acc.id}",
                          next_run_time=now + timedelta(seconds=random.uniform(0, 1)))
        sched.add_job(self._safe(self.process), IntervalTrigger(seconds=self.process_interval),
                      id="process", next_run_time=now)
        sched.add_job(self._safe(self.deliver), IntervalTrigger(seconds=self.deliver_interval),
                      id="deliver", next_run_time=now + timedelta(seconds=1))
        from monitor import leader, metrics

        self.leadership = leader.install(self, sched)  # escalate & co. run on the leader only
        metrics.bind_database(self.rt.engine)
        metrics.serve_from_env()
        sched.add_job(self._safe(self.heartbeat), IntervalTrigger(seconds=HEARTBEAT_SECONDS),
                      id="heartbeat", next_run_time=now)
        self.scheduler = sched
        sched.start()
        log.info("daemon %s started: %d accounts", self.rt.worker, len(accounts))

    def _safe(self, fn: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except Exception:  # a failing job is logged and tried next tick
                log.exception("job %s failed", fn.__name__)
        run.__name__ = fn.__name__
        return run

    def stop(self) -> None:
        self.stop_event.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self.leadership is not None:
            self.leadership.release()
        with session_scope(self.rt.engine) as session:
            row = session.get(Lease, f"daemon:{self.rt.worker}"[:64])
            if row is not None:
                session.delete(row)
        log.info("daemon %s stopped", self.rt.worker)

    def run_forever(self) -> None:
        """Run until SIGTERM or SIGINT."""
        def _signal(signum: int, _frame: Any) -> None:
            log.info("signal %s received: shutting down", signal.Signals(signum).name)
            self.stop_event.set()

        signal.signal(signal.SIGTERM, _signal)
        signal.signal(signal.SIGINT, _signal)
        self.start()
        try:
            while not self.stop_event.wait(1.0):
                pass
        finally:
            self.stop()
