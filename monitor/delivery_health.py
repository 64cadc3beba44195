"""Alerts that keep failing are themselves surfaced: audited, and the admins told once.

Why a separate sweep rather than in the failure path? An alert waiting out its back-off
is not touched by the sender, yet the threshold can pass during the wait; the sweep finds
it by ``first_failed_at`` whatever the sender is doing.

Why one notice per sweep rather than per alert? When Slack is down, every Slack alert
fails together; the admin needs one message saying so (with the list), not twenty. Each
alert is surfaced once (``failure_surfaced``), and the notice travels on another channel
than the failing one where the admin has one (email ↔ Slack, else the mailbox file).
Notices that fail are only logged: reporting them would loop.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import and_, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor import audit
from monitor.clock import utcnow
from monitor.config import Config
from monitor.db import session_scope
from monitor.models import Alert
from monitor.routing import channels_for
from monitor.types import AlertStatus

log = logging.getLogger(__name__)
MAX_LISTED = 20


def _admins(config: Config) -> list[str]:
    return list(config.admins) or ([config.dsl] if config.dsl else [])


def _notice_channels(config: Config, pid: str, failing: set[str]) -> list[str]:
    person = config.person(pid)
    if person is None:
        return []
    usable = channels_for(person, ["email", "slack", "mailbox"], config)
    other = [ch for ch in usable if ch not in failing]
    return other[:1] or usable[:1]


def surface_failures(engine: Engine, config: Config, *, worker_id: str) -> int:
    """Surface alerts failing for longer than the threshold; returns how many."""
    now = utcnow()
    since = now - timedelta(minutes=config.alerts.failure_threshold_minutes)
    with session_scope(engine) as session:
        stmt = (select(Alert).where(
                    col(Alert.failure_surfaced).is_(False), Alert.reason != "admin",
                    or_(col(Alert.status) == AlertStatus.FAILED.value,
                        and_(col(Alert.status).in_([AlertStatus.PENDING.value, AlertStatus.SENDING.value]),
                             col(Alert.first_failed_at) <= since)))
                .order_by(col(Alert.id)).limit(500))
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        failing = list(session.exec(stmt))
        if not failing:
            return 0
        for a in failing:
            a.failure_surfaced = True
            session.add(a)
        _queue_notice(session, config, failing, now)
        audit.append(session, actor=f"daemon:{worker_id}", action="alert.delivery_failing",
                     subject_type="outbox", subject_id=str(failing[0].id), detail={
                         "alerts": [{"alert": a.id, "case": a.case_id, "to": a.recipient,
                                     "channel": a.channel, "status": a.status,
                                     "since": a.first_failed_at, "error": a.last_error}
                                    for a in failing[:MAX_LISTED]],
                         "count": len(failing),
                         "threshold_minutes": config.alerts.failure_threshold_minutes})
    log.error("%d alert(s) failed, or failing for over %d minutes (channels: %s); admins notified",
              len(failing), config.alerts.failure_threshold_minutes,
              ", ".join(sorted({a.channel for a in failing})))
    return len(failing)


def _queue_notice(session: Session, config: Config, failing: list[Alert], now) -> None:  # type: ignore[no-untyped-def]
    channels = {a.channel for a in failing}
    intro = (f"{len(failing)} alert(s) could not be delivered within "
             f"{config.alerts.failure_threshold_minutes} minutes. Pending ones are still being "
             "retried; failed ones will not be. Check the channel below, and tell the "
             "recipients directly if the case is urgent.")
    lines = [intro, ""]
    for a in failing[:MAX_LISTED]:
        who = config.person(a.recipient)
        lines.append(f"- alert {a.id} (case #{a.case_id}, {a.severity}) to "
                     f"{who.name if who else a.recipient} via {a.channel}: {a.status}, "
                     f"{a.attempts} attempt(s); last error: {a.last_error or '-'}")
    if len(failing) > MAX_LISTED:
        lines.append(f"... and {len(failing) - MAX_LISTED} more")
    note = f"Alerts failing on {', '.join(sorted(channels))}\n\n" + "\n".join(lines)
    for pid in _admins(config):
        for ch in _notice_channels(config, pid, channels):
            key = f"notice:alerts-failing:{failing[0].id}:{len(failing)}:{pid}:{ch}"[:128]
            if session.exec(select(Alert.id).where(Alert.idempotency_key == key)).first():
                continue
            session.add(Alert(case_id=None, recipient=pid, channel=ch, severity="high",
                              reason="admin", idempotency_key=key, note=note,
                              status=AlertStatus.PENDING.value, next_attempt_at=now,
                              created_at=now))
