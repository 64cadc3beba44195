"""Notices to the admins that concern no case: a token rejected, alerts failing.

They go through the same outbox as case alerts (so they are durable and retried), with an
idempotency key that makes "tell the admin once" hold across restarts and replicas.
"""

from __future__ import annotations

from sqlmodel import Session, select

from monitor.clock import utcnow
from monitor.config import Config
from monitor.models import Alert
from monitor.routing import channels_for
from monitor.types import AlertStatus


def admin_ids(config: Config) -> list[str]:
    return list(config.admins) or ([config.dsl] if config.dsl else [])


def notify_admins(session: Session, config: Config, *, key: str, subject: str, body: str,
                  severity: str = "high") -> int:
    """Queue one notice per admin and channel; a key already queued is not queued again."""
    queued = 0
    now = utcnow()
    for pid in admin_ids(config):
        person = config.person(pid)
        if person is None:
            continue
        for ch in channels_for(person, ["email", "slack", "mailbox"], config):
            ikey = f"notice:{key}:{pid}:{ch}"[:128]
            if session.exec(select(Alert.id).where(Alert.idempotency_key == ikey)).first():
                continue
            session.add(Alert(case_id=None, recipient=pid, channel=ch, severity=severity,
                              reason="admin", idempotency_key=ikey, note=f"{subject}\n\n{body}",
                              status=AlertStatus.PENDING.value, next_attempt_at=now, created_at=now))
            queued += 1
    return queued
