"""Show acknowledgements on the Slack messages already delivered.

When a case is acknowledged (Slack button, email link or review page), every Slack alert
about it is edited (``chat.update``): the Acknowledge button gives way to "Acknowledged by
Sam Oakfield at 14:10". Why? The DSL and the Setting Manager may both hold an alert for
the same case; the one who did not act must see at a glance that someone has.

It runs with each outbox pass (``deliver_due``), so it is durable: an acknowledgement made
while Slack is down is shown once Slack is back (``ack_synced_at`` marks the done ones;
``next_attempt_at`` — unused once an alert is SENT — spaces out the retries).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from monitor.clock import utcnow
from monitor.config import Config
from monitor.db import session_scope
from monitor.errors import DeliveryFailed
from monitor.models import Alert, Case
from monitor.notifiers.base import Notifier
from monitor.types import AlertStatus

log = logging.getLogger(__name__)
RETRY = timedelta(minutes=2)


def _note(config: Config, case: Case) -> str:
    who = config.person(case.acknowledged_by) if case.acknowledged_by else None
    name = who.name if who else (case.acknowledged_by or "someone")
    at = case.acknowledged_at.astimezone(ZoneInfo(config.timezone)) if case.acknowledged_at else None
    return f"Acknowledged by {name}" + (f" at {at:%H:%M on %d %b}" if at else "")


def sync_acknowledgements(engine: Engine, config: Config, notifiers: Mapping[str, Notifier], *,
                          limit: int = 50) -> int:
    """Edit delivered Slack alerts of acknowledged cases; returns how many were edited."""
    from monitor.notifiers.slack import SlackNotifier
    from monitor.outbox import build_message

    slack = notifiers.get("slack")
    if not isinstance(slack, SlackNotifier):
        return 0
    now = utcnow()
    with session_scope(engine) as session:
        rows = list(session.exec(select(Alert, Case).join(Case, col(Case.id) == col(Alert.case_id)).where(
            col(Alert.channel) == "slack", col(Alert.status) == AlertStatus.SENT.value,
            col(Alert.ack_synced_at).is_(None), col(Alert.provider_ref).is_not(None),
            col(Case.acknowledged_at).is_not(None), col(Alert.next_attempt_at) <= now,
        ).limit(limit)))
        work = [(a.id, a.provider_ref, build_message(session, a, config), _note(config, c))
                for a, c in rows]
    edited = 0
    for alert_id, ref, message, note in work:
        try:
            slack.mark_acknowledged(ref, message, note)  # type: ignore[arg-type]
            done = True
            edited += 1
        except DeliveryFailed as err:
            done = not err.retryable  # e.g. the message was deleted: nothing to edit
            if done:
                log.info("alert %s: Slack message not updated (%s)", alert_id, err)
        with session_scope(engine) as session:
            alert = session.get(Alert, alert_id)
            if alert is not None:
                if done:
                    alert.ack_synced_at = utcnow()
                else:
                    alert.next_attempt_at = utcnow() + RETRY
                session.add(alert)
    return edited
