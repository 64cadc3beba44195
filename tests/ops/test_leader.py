"""Scheduler leadership through the Lease table, on SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import subprocess
import sys

from sqlalchemy.engine import Engine

from monitor.clock import FrozenClock
from monitor.db import session_scope
from monitor.leader import TTL, Leadership, current_leader
from monitor.models import Lease


def test_only_one_process_leads_at_a_time(engine: Engine) -> None:
    """The first to tick leads; the other is refused while the lease is renewed."""
    a, b = Leadership(engine, "host-a:1"), Leadership(engine, "host-b:2")
    assert a.tick() and a.is_leader()
    assert not b.tick() and not b.is_leader()
    assert a.tick()  # renewal
    assert current_leader(engine) == "host-a:1"


def test_an_expired_lease_is_taken_over(engine: Engine) -> None:
    """A leader that stops renewing (hung, other host) loses the lease after TTL seconds."""
    clock = FrozenClock()
    a = Leadership(engine, "host-a:1", clock=clock)
    b = Leadership(engine, "host-b:2", clock=clock)
    assert a.tick()
    clock.advance(seconds=TTL + 1)
    assert not a.is_leader()  # it stops acting before anyone else may start
    assert b.tick() and b.is_leader()
    assert not a.tick()  # the old leader does not win it back by renewing


def test_a_dead_process_on_this_host_is_replaced_at_once(engine: Engine) -> None:
    """SIGKILLed leader on the same host: its pid is gone, no need to wait for expiry."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    dead = Leadership(engine, f"{socket.gethostname()}:{proc.pid}")
    assert dead.tick()
    alive = Leadership(engine, "other:1")
    assert alive.tick()
    with session_scope(engine) as s:
        assert s.get(Lease, "scheduler").holder == "other:1"  # type: ignore[union-attr]


def test_release_hands_leadership_over_without_waiting(engine: Engine) -> None:
    """A clean stop gives the lease up so the next replica leads on its next tick."""
    a, b = Leadership(engine, "host-a:1"), Leadership(engine, "host-b:2")
    assert a.tick()
    a.release()
    assert not a.is_leader()
    assert b.tick()


def test_leader_only_jobs_run_only_on_the_leader(engine: Engine) -> None:
    """``gate`` skips the job on followers."""
    ran: list[str] = []
    a, b = Leadership(engine, "host-a:1"), Leadership(engine, "host-b:2")
    a.tick(), b.tick()
    a.gate(lambda: ran.append("a"))()
    b.gate(lambda: ran.append("b"))()
    assert ran == ["a"]


def test_every_leader_only_job_runs_on_a_fresh_database(sqlite_engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Escalation, retention and complaint reminders are wired and do not fail when idle."""
    from monitor.daemon import Daemon
    from monitor.leader import leader_jobs
    from monitor.runtime import Runtime
    from tests.helpers import org_config, setup_org

    cfg = org_config(tmp_path)
    setup_org(sqlite_engine, cfg)
    jobs = leader_jobs(Daemon(Runtime(config=cfg, engine=sqlite_engine)))
    assert {"escalate", "retention", "complaint_reminders"} <= {j.name for j in jobs}
    for job in jobs:
        job.run()
