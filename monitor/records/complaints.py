"""The complaints log: a ``complaint`` case logged as a formal complaint, with a deadline.

Why calendar dates in the organisation's time zone? An inspector asks "was the parent
answered within 28 days?"; the answer is read off a calendar in England, so a complaint
received at 00:30 BST on 1 October was received on 1 October, not on 30 September (UTC).

Deadline states, judged on the local date ``today``:

- ``done``     the complainant was told the outcome (``complainant_told_on`` is set);
- ``overdue``  today is after ``respond_by``;
- ``due_soon`` ``respond_by`` is within ``records.due_soon_days`` days (today included);
- ``open``     otherwise.

Reminders for due-soon and overdue complaints go through the alert outbox (reason
``reminder``), at most one per complaint, person and channel per day: the idempotency key
carries the date, so a daemon job that runs hourly, on several replicas, queues one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor import audit
from monitor.clock import ensure_utc, utcnow
from monitor.config import Config
from monitor.db import session_scope
from monitor.models import Alert, Case, Complaint, Item
from monitor.records.errors import NotEligible, RecordsError
from monitor.routing import channels_for, people_for
from monitor.types import AlertStatus, Category, Severity

log = logging.getLogger(__name__)

STATUSES = ("open", "responded", "closed")
MAX_TEXT = 20_000


def local_today(now: datetime, tz: str = "Europe/London") -> date:
    at = ensure_utc(now)
    assert at is not None
    return at.astimezone(ZoneInfo(tz)).date()


def deadline_state(c: Complaint, today: date, *, due_soon_days: int = 7) -> str:
    if c.complainant_told_on is not None or c.status == "closed":
        return "done"
    if today > c.respond_by:
        return "overdue"
    if (c.respond_by - today).days <= due_soon_days:
        return "due_soon"
    return "open"


def _clean(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise RecordsError(f"{what}: at most {MAX_TEXT} characters")
    return value or None


def open_complaint(session: Session, case: Case, *, actor: str, config: Config, now: datetime,
                   summary: str, complainant: str | None = None,
                   received_on: date | None = None) -> Complaint:
    """Log a complaint for a ``complaint`` case; the deadline is fixed from ``received_on``.

    ``received_on`` defaults to the local date the comment was posted (or, if the platform
    gave no time, when the case was opened): that is when the organisation was told.
    """
    if Category.COMPLAINT.value not in (case.categories or []):
        raise NotEligible(f"case {case.id} is not in the complaint category "
                          f"({', '.join(case.categories) or 'no category'})")
    if session.exec(select(Complaint).where(Complaint.case_id == case.id)).first():
        raise RecordsError(f"case {case.id} already has a complaint record")
    text = _clean(summary, "summary")
    if not text:
        raise RecordsError("a complaint needs a summary")
    if received_on is None:
        item = session.get(Item, case.item_id)
        received_on = local_today(item.created_at if item and item.created_at else case.opened_at,
                                  config.timezone)
    days = config.records.complaint_response_days
    row = Complaint(case_id=case.id, location_id=case.location_id,  # type: ignore[arg-type]
                    complainant=_clean(complainant, "complainant"), summary=text,
                    received_on=received_on, respond_by=received_on + timedelta(days=days),
                    opened_by=actor, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    audit.append(session, actor=actor, action="complaint.opened", subject_type="case",
                 subject_id=str(case.id), at=now,
                 detail={"complaint": row.id, "received_on": received_on.isoformat(),
                         "respond_by": row.respond_by.isoformat()})
    return row


_UNSET = object()


def update_complaint(session: Session, c: Complaint, *, actor: str, now: datetime,
                     investigation_notes: str | None | object = _UNSET,
                     outcome: str | None | object = _UNSET,
                     complainant_told_on: date | None | object = _UNSET,
                     status: str | object = _UNSET) -> list[str]:
    """Change the fields given; one audit event names which ones (not their text)."""
    changed: list[str] = []
    if investigation_notes is not _UNSET:
        c.investigation_notes = _clean(investigation_notes, "investigation notes")  # type: ignore[arg-type]
        changed.append("investigation_notes")
    if outcome is not _UNSET:
        c.outcome = _clean(outcome, "outcome")  # type: ignore[arg-type]
        changed.append("outcome")
    if complainant_told_on is not _UNSET:
        told = complainant_told_on
        if told is not None and told < c.received_on:  # type: ignore[operator]
            raise RecordsError("the complainant cannot be told before the complaint was received")
        c.complainant_told_on = told  # type: ignore[assignment]
        changed.append("complainant_told_on")
        if told is not None and c.status == "open":
            c.status = "responded"
    if status is not _UNSET:
        if status not in STATUSES:
            raise RecordsError(f"status must be one of {', '.join(STATUSES)}")
        c.status = status  # type: ignore[assignment]
        changed.append("status")
    if changed:
        c.updated_at = now
        session.add(c)
        audit.append(session, actor=actor, action="complaint.updated", subject_type="case",
                     subject_id=str(c.case_id), at=now,
                     detail={"complaint": c.id, "fields": changed, "status": c.status,
                             "complainant_told_on": c.complainant_told_on.isoformat()
                             if c.complainant_told_on else None})
    return changed


@dataclass(frozen=True)
class DueComplaint:
    complaint: Complaint
    state: str  # overdue | due_soon
    days_left: int  # negative when overdue


def due_complaints(session: Session, now: datetime, *, location_ids: list[str] | None = None,
                   due_soon_days: int = 7, tz: str = "Europe/London") -> list[DueComplaint]:
    """Unanswered complaints that are overdue or due soon, most urgent first.

    ``location_ids`` limits the list to a Setting Manager's locations (None: all).
    """
    today = local_today(now, tz)
    horizon = today + timedelta(days=due_soon_days)
    stmt = select(Complaint).where(col(Complaint.complainant_told_on).is_(None),
                                   col(Complaint.status) != "closed",
                                   col(Complaint.respond_by) <= horizon)
    if location_ids is not None:
        stmt = stmt.where(col(Complaint.location_id).in_(location_ids))
    rows = session.exec(stmt.order_by(col(Complaint.respond_by), col(Complaint.id))).all()
    return [DueComplaint(c, deadline_state(c, today, due_soon_days=due_soon_days),
                         (c.respond_by - today).days) for c in rows]


def log_rows(session: Session, *, start: date, end: date,
             location_id: str | None = None) -> list[Complaint]:
    """Complaints received from ``start`` to ``end`` inclusive (the export's rows)."""
    stmt = select(Complaint).where(col(Complaint.received_on) >= start,
                                   col(Complaint.received_on) <= end)
    if location_id:
        stmt = stmt.where(Complaint.location_id == location_id)
    return list(session.exec(stmt.order_by(col(Complaint.received_on), col(Complaint.id))))


def reminder_note(d: DueComplaint, location: str) -> str:
    c = d.complaint
    when = (f"was due on {c.respond_by:%d %b %Y} ({-d.days_left} day(s) overdue)"
            if d.state == "overdue" else f"is due by {c.respond_by:%d %b %Y} ({d.days_left} day(s) left)")
    return (f"Complaint #{c.id} at {location}: the response {when}.\n\n"
            f"Received {c.received_on:%d %b %Y}; case #{c.case_id}. Record the outcome and the "
            "date the complainant was told in the complaints log.")


def remind_due(engine: Engine, config: Config, *, worker_id: str,
               now: datetime | None = None) -> int:
    """Queue today's reminders for due-soon and overdue complaints (a daemon job).

    Recipients: the location's Setting Managers (the DSL when it has none); overdue
    complaints also go to the DSL. A complaint whose case also carries ``safeguarding``
    goes to the DSL only. Idempotent per complaint, person, channel and day.
    """
    now = now or utcnow()
    today = local_today(now, config.timezone)
    queued = 0
    with session_scope(engine) as session:
        for d in due_complaints(session, now, due_soon_days=config.records.due_soon_days,
                                tz=config.timezone):
            c = d.complaint
            case = session.get(Case, c.case_id)
            if case is not None and Category.SAFEGUARDING.value in (case.categories or []):
                people = [config.dsl] if config.dsl else []  # managers never learn of such a case
            else:
                people = people_for("setting_managers", config, c.location_id)
            if d.state == "overdue" and config.dsl and config.dsl not in people:
                people.append(config.dsl)
            loc = config.location(c.location_id)
            note = reminder_note(d, loc.name if loc else (c.location_id or "the organisation"))
            severity = Severity.HIGH if d.state == "overdue" else Severity.MEDIUM
            sent_to: list[str] = []
            for pid in people:
                person = config.person(pid)
                if person is None:
                    continue
                for ch in channels_for(person, ["email", "slack", "mailbox"], config):
                    key = f"complaint:{c.id}:{today.isoformat()}:{pid}:{ch}"[:128]
                    if session.exec(select(Alert.id).where(Alert.idempotency_key == key)).first():
                        continue
                    session.add(Alert(case_id=c.case_id, recipient=pid, channel=ch,
                                      severity=severity.value, reason="reminder", note=note,
                                      idempotency_key=key, status=AlertStatus.PENDING.value,
                                      next_attempt_at=now, created_at=now))
                    sent_to.append(f"{pid}/{ch}")
            if sent_to:
                queued += len(sent_to)
                audit.append(session, actor=f"daemon:{worker_id}", action="complaint.reminder_queued",
                             subject_type="case", subject_id=str(c.case_id), at=now,
                             detail={"complaint": c.id, "state": d.state,
                                     "respond_by": c.respond_by.isoformat(), "recipients": sent_to})
    if queued:
        log.info("complaints: %d reminder(s) queued", queued)
    return queued
