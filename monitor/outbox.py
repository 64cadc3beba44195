"""The alert outbox: claim due alerts, deliver them, record the result.

Alerts are rows written in the same transaction as their case (pipeline.py). Delivery:

1. claim: in a short transaction, due PENDING rows (and SENDING rows whose claim expired,
   i.e. a sender died mid-delivery) are marked SENDING with a lease — on PostgreSQL with
   ``FOR UPDATE SKIP LOCKED`` so replicas never claim the same row. A LOW-severity alert
   met for the first time in quiet hours, or with a daily digest configured, is instead
   held (``deferred_until``) and released at the end of quiet hours / the digest time;
2. deliver outside any transaction, with the idempotency key (notifiers are idempotent
   on it, and are told when a delivery may already have happened, so a re-delivery after
   a crash never notifies twice);
3. record SENT, or schedule a retry with exponential back-off and jitter (at least the
   server's Retry-After); after ``max_attempts``, or a permanent error, the alert is
   FAILED.

Why surface failures separately? A channel that is down delays alerts but loses none —
yet nobody must believe a DSL was told when she was not. An alert that has been failing
for longer than ``failure_threshold_minutes`` (or has FAILED) is recorded in the audit
trail and reported to the admins once, on another channel where possible.
"""

from __future__ import annotations

import logging
import random
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_
from sqlalchemy import case as sa_case
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select, update

from monitor import audit, metrics
from monitor.acklinks import ack_url
from monitor.clock import ensure_utc, utcnow
from monitor.config import Config
from monitor.db import session_scope
from monitor.errors import DeliveryFailed
from monitor.models import Alert, Case, Finding, Item
from monitor.notifiers.base import AlertMessage, DeliveryReceipt, Notifier
from monitor.routing import hold_until
from monitor.types import AlertStatus, Category, Severity

log = logging.getLogger(__name__)
CLAIM_SECONDS = 120
SWEEP_SECONDS = 10
_last_sweep: weakref.WeakKeyDictionary[Engine, datetime] = weakref.WeakKeyDictionary()
EXCERPT_CHARS = 160
MASKED_SPAN_TYPES = {"child_name", "surname", "age", "school", "uniform", "place", "address",
                     "time_place", "phone", "email", "health"}
HOLDABLE_REASONS = {"new_case", "updated"}  # escalations and notices are never held
#: in a flood, the most serious alerts are claimed first
_URGENCY = sa_case((col(Alert.severity) == Severity.CRITICAL.value, 0),
                (col(Alert.severity) == Severity.HIGH.value, 1), else_=2)


@dataclass
class DeliveryResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0
    surfaced: int = 0
    acks_shown: int = 0  # Slack messages edited to show an acknowledgement


def backoff(attempts: int) -> timedelta:
    base = min(600.0, 5.0 * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def masked_excerpt(text: str | None, spans: list[dict], *, limit: int = EXCERPT_CHARS) -> str:
    """The start of the text with identifying spans replaced by '[…]'."""
    if not text:
        return ""
    cut = sorted((s for s in spans if s.get("type") in MASKED_SPAN_TYPES),
                 key=lambda s: s["start"])
    out, pos = [], 0
    for s in cut:
        start, end = max(pos, int(s["start"])), int(s["end"])
        if start >= end:
            continue
        out.append(text[pos:start])
        out.append("[…]")
        pos = end
    out.append(text[pos:])
    flat = " ".join("".join(out).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def build_message(session: Session, alert: Alert, config: Config, *,
                  redelivery: bool = False) -> AlertMessage:
    person = config.person(alert.recipient)
    # any earlier attempt may have reached the server (a timeout after it accepted)
    redelivery = redelivery or alert.attempts > 0 or alert.last_error is not None
    if alert.case_id is None:  # an admin notice (monitor.notices), not about a case
        return AlertMessage(
            alert_id=alert.id, case_id=None, idempotency_key=alert.idempotency_key,  # type: ignore[arg-type]
            recipient_id=alert.recipient, recipient_name=person.name if person else alert.recipient,
            recipient_email=person.email if person else None,
            recipient_slack=person.slack_user if person else None,
            severity=alert.severity, categories=("admin notice",), location="organisation",
            platform="-", reason=alert.reason, excerpt="", note=alert.note or "",
            case_url=config.review_url, ack_url=config.review_url, redelivery=redelivery)
    case = session.get(Case, alert.case_id)
    assert case is not None
    item = session.get(Item, case.item_id)
    loc = config.location(case.location_id)
    spans: list[dict] = []
    for f in session.exec(select(Finding).where(Finding.item_id == case.item_id,
                                                Finding.item_version == case.item_version)):
        spans.extend(f.spans or [])
    excerpt = masked_excerpt(item.text if item else None, spans)
    if Category.SAFEGUARDING.value in case.categories and not (
            config.alerts.email and config.alerts.email.include_safeguarding_text):
        excerpt = ""  # safeguarding text stays in the review page
    base = config.review_url.rstrip("/")
    return AlertMessage(
        alert_id=alert.id, case_id=case.id, idempotency_key=alert.idempotency_key,  # type: ignore[arg-type]
        recipient_id=alert.recipient, recipient_name=person.name if person else alert.recipient,
        recipient_email=person.email if person else None,
        recipient_slack=person.slack_user if person else None,
        severity=alert.severity, categories=tuple(case.categories),
        location=loc.name if loc else (case.location_id or "organisation"),
        platform=case.platform, reason=alert.reason, excerpt=excerpt,
        case_url=f"{base}/cases/{case.id}", ack_url=ack_url(config, case.id, alert.recipient),  # type: ignore[arg-type]
        redelivery=redelivery,
    )


# -- claiming -----------------------------------------------------------------------------
def _lapse_dead_claims(session: Session, now: datetime) -> None:
    """Claims of a sender on this host that no longer exists (SIGKILL, OOM) lapse now.

    A dead process cannot be mid-delivery, so its alerts need not wait ``CLAIM_SECONDS``;
    the re-delivery is marked as such and notifiers are idempotent on the key.
    """
    from monitor.sync import _holder_is_dead  # same rule as the poll and leader leases

    holders = session.exec(select(Alert.claimed_by).where(
        col(Alert.status) == AlertStatus.SENDING.value, col(Alert.claimed_until) >= now).distinct())
    dead = [h for h in holders if _holder_is_dead(h)]
    if dead:
        session.exec(update(Alert).where(col(Alert.claimed_by).in_(dead),  # type: ignore[call-overload]
                                         col(Alert.status) == AlertStatus.SENDING.value)
                     .values(claimed_until=now - timedelta(seconds=1)))


def _claim(engine: Engine, config: Config | None, *, worker_id: str,
           limit: int) -> tuple[list[tuple[int, bool]], int]:
    """(claimed (id, reclaimed-from-a-dead-sender) pairs, number held back)."""
    now = utcnow()
    held = 0
    with session_scope(engine) as session:
        _lapse_dead_claims(session, now)
        stmt = (select(Alert).where(or_(
                    and_(col(Alert.status) == AlertStatus.PENDING.value, col(Alert.next_attempt_at) <= now),
                    and_(col(Alert.status) == AlertStatus.SENDING.value, col(Alert.claimed_until) < now)))
                .order_by(_URGENCY, col(Alert.next_attempt_at), col(Alert.id)).limit(limit))
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(session.exec(stmt))
        out: list[tuple[int, bool]] = []
        for a in rows:
            if (config is not None and a.deferred_until is None and a.attempts == 0
                    and a.reason in HOLDABLE_REASONS and a.status == AlertStatus.PENDING.value):
                until = hold_until(a.severity, now, config)
                if until is not None:
                    a.deferred_until = until
                    a.next_attempt_at = until
                    session.add(a)
                    held += 1
                    continue
            reclaimed = a.status == AlertStatus.SENDING.value
            if reclaimed:
                log.warning("alert %s: taking over from %s, whose claim expired", a.id, a.claimed_by)
            a.status = AlertStatus.SENDING.value
            a.claimed_by = worker_id
            a.claimed_until = now + timedelta(seconds=CLAIM_SECONDS)
            session.add(a)
            out.append((a.id, reclaimed))  # type: ignore[arg-type]
        return out, held


def claim(engine: Engine, *, worker_id: str, limit: int = 50) -> list[int]:
    """Claim due alerts (no quiet-hours hold: that needs the configuration)."""
    return [i for i, _ in _claim(engine, None, worker_id=worker_id, limit=limit)[0]]


# -- delivering ---------------------------------------------------------------------------
@dataclass
class _Job:
    """One send: a single alert, or a digest of several held for the same slot."""

    alert_ids: list[int]
    channel: str
    message: AlertMessage


def _is_digest(alert: Alert, config: Config) -> bool:
    return bool(config.alerts.digest_time and alert.deferred_until is not None
                and alert.reason in HOLDABLE_REASONS and alert.severity == Severity.LOW.value)


def _acknowledged_escalation(session: Session, alert: Alert) -> bool:
    """An escalation whose case was acknowledged meanwhile (from any path) is not sent."""
    if alert.reason != "escalation" or alert.case_id is None:
        return False
    case = session.get(Case, alert.case_id)
    if case is None or case.acknowledged_at is None:
        return False
    alert.status = AlertStatus.SUPPRESSED.value
    alert.claimed_by = alert.claimed_until = None
    session.add(alert)
    return True


def _jobs(engine: Engine, config: Config, claimed: list[tuple[int, bool]], worker_id: str,
          broken: list[int]) -> list[_Job]:
    jobs: list[_Job] = []
    digests: dict[tuple[str, str, datetime], list[tuple[Alert, AlertMessage]]] = {}
    with session_scope(engine) as session:
        for alert_id, reclaimed in claimed:
            alert = session.get(Alert, alert_id)
            if alert is None or alert.claimed_by != worker_id:
                continue
            if _acknowledged_escalation(session, alert):
                continue
            try:
                message = build_message(session, alert, config, redelivery=reclaimed)
            except Exception:
                log.exception("alert %s: cannot build its message", alert_id)
                broken.append(alert_id)
                continue
            if _is_digest(alert, config):
                slot = ensure_utc(alert.deferred_until)
                assert slot is not None
                digests.setdefault((alert.recipient, alert.channel, slot), []).append((alert, message))
            else:
                jobs.append(_Job([alert_id], alert.channel, message))
    for (recipient, channel, slot), group in digests.items():
        group.sort(key=lambda am: am[0].id or 0)
        first = group[0][1]
        key = f"digest:{slot:%Y%m%dT%H%MZ}:{recipient}:{channel}:{group[0][0].id}"[:128]
        msg = AlertMessage(
            alert_id=first.alert_id, case_id=None, idempotency_key=key,
            recipient_id=first.recipient_id, recipient_name=first.recipient_name,
            recipient_email=first.recipient_email, recipient_slack=first.recipient_slack,
            severity=Severity.LOW.value, categories=tuple(sorted({c for _, m in group for c in m.categories})),
            location="organisation", platform="-", reason="digest", excerpt="",
            case_url=config.review_url.rstrip("/") + "/cases", ack_url=config.review_url,
            redelivery=any(m.redelivery for _, m in group), entries=tuple(m for _, m in group))
        jobs.append(_Job([a.id for a, _ in group], channel, msg))  # type: ignore[misc]
    return jobs


def _send(notifiers: Mapping[str, Notifier], job: _Job) -> tuple[DeliveryReceipt | None, DeliveryFailed | None]:
    notifier = notifiers.get(job.channel)
    if notifier is None:
        return None, DeliveryFailed(f"no notifier configured for channel {job.channel!r}",
                                    retryable=False)
    try:
        return notifier.send(job.message), None
    except DeliveryFailed as err:
        return None, err
    except Exception as err:
        log.exception("notifier %s crashed on alert %s", job.channel, job.alert_ids)
        return None, DeliveryFailed(f"{type(err).__name__} in the {job.channel} notifier",
                                    retryable=True)


def _record(session: Session, config: Config, alert: Alert, worker_id: str,
            receipt: DeliveryReceipt | None, error: DeliveryFailed | None,
            result: DeliveryResult) -> None:
    now = utcnow()
    if error is not None and alert.claimed_by != worker_id:
        return  # another sender took the alert over; its outcome stands
    alert.attempts += 1
    alert.claimed_by = None
    alert.claimed_until = None
    actor = f"daemon:{worker_id}"
    if error is None:
        alert.status = AlertStatus.SENT.value
        alert.sent_at = now
        alert.provider_ref = receipt.provider_ref if receipt else None
        alert.last_error = None
        result.sent += 1
        metrics.alert_sent(alert.channel, alert.created_at, now)
        if alert.first_failed_at is not None and alert.failure_surfaced:
            log.info("alert %s delivered after failing since %s", alert.id, alert.first_failed_at)
        audit.append(session, actor=actor, action="alert.sent", subject_type="case",
                     subject_id=alert.case_id or "", detail={
                         "alert": alert.id, "to": alert.recipient, "channel": alert.channel,
                         "reason": alert.reason, "attempts": alert.attempts})
    else:
        alert.last_error = str(error)[:500]
        alert.first_failed_at = alert.first_failed_at or now
        if error.retryable and alert.attempts < config.alerts.max_attempts:
            alert.status = AlertStatus.PENDING.value
            wait = backoff(alert.attempts)
            retry_after = getattr(error, "retry_after", None)
            if retry_after:
                wait = max(wait, timedelta(seconds=float(retry_after)))
            alert.next_attempt_at = now + wait
            result.retried += 1
            metrics.alert_failed(alert.channel, final=False)
        else:
            alert.status = AlertStatus.FAILED.value
            result.failed += 1
            metrics.alert_failed(alert.channel, final=True)
            audit.append(session, actor=actor, action="alert.failed", subject_type="case",
                         subject_id=alert.case_id or "", detail={
                             "alert": alert.id, "to": alert.recipient, "channel": alert.channel,
                             "error": alert.last_error})
        log.warning("alert %s to %s via %s failed (attempt %d): %s", alert.id,
                    alert.recipient, alert.channel, alert.attempts, alert.last_error,
                    extra={"alert": alert.id, "case": alert.case_id})
    session.add(alert)


def deliver_due(engine: Engine, config: Config, notifiers: Mapping[str, Notifier], *,
                worker_id: str = "daemon", limit: int = 50) -> DeliveryResult:
    """Deliver what is due now; report failures past the threshold. Safe to run anywhere."""
    result = DeliveryResult()
    claimed, result.held = _claim(engine, config, worker_id=worker_id, limit=limit)
    broken: list[int] = []
    for job in _jobs(engine, config, claimed, worker_id, broken):
        receipt, error = _send(notifiers, job)
        with session_scope(engine) as session:
            for alert_id in job.alert_ids:
                alert = session.get(Alert, alert_id)
                if alert is not None:
                    _record(session, config, alert, worker_id, receipt, error, result)
    if broken:
        unbuildable = DeliveryFailed("the alert's message could not be built (see the log)",
                                     retryable=False)
        with session_scope(engine) as session:
            for alert_id in broken:
                alert = session.get(Alert, alert_id)
                if alert is not None:
                    _record(session, config, alert, worker_id, None, unbuildable, result)
    if _sweep_due(engine):
        from monitor.ack_sync import sync_acknowledgements
        from monitor.delivery_health import surface_failures

        result.surfaced = surface_failures(engine, config, worker_id=worker_id)
        result.acks_shown = sync_acknowledgements(engine, config, notifiers)
    return result


def _sweep_due(engine: Engine) -> bool:
    """The sweeps (failures past the threshold, acknowledgements to show) run at most every
    SWEEP_SECONDS per process: they look at old rows, and a busy sender calls
    ``deliver_due`` many times a second."""
    now = utcnow()
    last = _last_sweep.get(engine)
    if last is not None and timedelta(0) <= now - last < timedelta(seconds=SWEEP_SECONDS):
        return False
    _last_sweep[engine] = now
    return True


def build_notifiers(config: Config) -> dict[str, Notifier]:
    """Notifiers for the channels the configuration enables.

    A channel whose secret is missing (no Slack token, no SMTP password) is left out with
    a warning naming the environment variable: its alerts then wait in the outbox and the
    failure is surfaced, rather than the daemon refusing to start.
    """
    from monitor.notifiers.mailbox import MailboxNotifier

    out: dict[str, Notifier] = {}
    if config.alerts.mailbox_file:
        out["mailbox"] = MailboxNotifier(config.alerts.mailbox_file)
    if config.alerts.slack:
        from monitor.notifiers.slack import SlackNotifier

        try:
            out["slack"] = SlackNotifier.from_config(config)
        except DeliveryFailed as err:
            log.warning("Slack alerts disabled: %s", err)
    if config.alerts.email:
        from monitor.notifiers.email import EmailNotifier

        try:
            out["email"] = EmailNotifier.from_config(config)
        except DeliveryFailed as err:
            log.warning("email alerts disabled: %s", err)
    return out
