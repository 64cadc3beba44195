"""The write side: every decision a reviewer makes on a case, shared by the HTML forms
and the JSON API so both enforce the same rules.

Each function checks the permission (the caller has already checked visibility with
``queries.visible_case``), changes the case, and appends one audit event in the same
transaction. Why acknowledge the case's alerts on every decision? An alert escalates to
the deputy until someone acknowledges it; a case that was dismissed or escalated has
clearly been seen, so escalation must stop.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from fastapi import HTTPException
from sqlmodel import Session, col, select

from monitor import audit
from monitor.models import Alert, Case, CaseNote, Item, LabelledExample, Referral, User
from monitor.types import AuthorRole, CaseStatus
from monitor.web.permissions import Perm, can, can_see_case

AGENCIES = {
    "lado": "LADO (Local Authority Designated Officer)",
    "local_authority": "Local authority children's services",
    "ofsted": "Ofsted",
    "police": "Police",
    "other": "Other",
}
DISMISS_REASONS = [
    "not a concern",
    "false positive: wrong name or word",
    "false positive: praise or thanks",
    "already handled offline",
    "duplicate",
]
MAX_NOTE = 10_000
MAX_REASON = 500


class DecisionError(HTTPException):
    """A decision that cannot be made: 403 (role), 409 (state) or 422 (bad input)."""


def _need(user: User, perm: Perm) -> None:
    if not can(user, perm):
        raise DecisionError(403, f"your role ({user.role}) cannot {perm.value.replace('_', ' ')}")


def _need_open(case: Case) -> None:
    if not CaseStatus(case.status).is_open:
        raise DecisionError(409, f"case {case.id} is {case.status}; it is closed")


def _touch(db: Session, case: Case, now: datetime) -> None:
    case.updated_at = now
    db.add(case)


def _ack_alerts(db: Session, case: Case, user: User, now: datetime) -> int:
    alerts = db.exec(select(Alert).where(Alert.case_id == case.id,
                                         col(Alert.acknowledged_at).is_(None))).all()
    for a in alerts:
        a.acknowledged_at = now
        a.acknowledged_by = user.username
        db.add(a)
    return len(alerts)


def _mark_acknowledged(db: Session, case: Case, user: User, now: datetime) -> int:
    if case.acknowledged_at is None:
        case.acknowledged_at = now
        case.acknowledged_by = user.username
    return _ack_alerts(db, case, user, now)


def _event(db: Session, user: User, action: str, case: Case, now: datetime,
           detail: dict[str, Any] | None = None) -> None:
    audit.append(db, actor=user.username, action=action, subject_type="case",
                 subject_id=str(case.id), detail=detail, at=now)


def record_view(db: Session, user: User, case: Case, now: datetime, *, via: str = "web") -> None:
    """Every view of a case is audited (who looked at what, and when)."""
    _event(db, user, "case.viewed", case, now, {"via": via})


def acknowledge(db: Session, user: User, case: Case, now: datetime) -> None:
    _need(user, Perm.ACKNOWLEDGE)
    if case.acknowledged_at is not None and case.status != CaseStatus.NEW:
        raise DecisionError(409, f"case {case.id} was already acknowledged by {case.acknowledged_by}")
    n = _mark_acknowledged(db, case, user, now)
    if case.status == CaseStatus.NEW:
        case.status = CaseStatus.IN_REVIEW.value
    _touch(db, case, now)
    _event(db, user, "case.acknowledged", case, now, {"alerts_acknowledged": n})


def assign(db: Session, user: User, case: Case, assignee_id: int | None, now: datetime) -> None:
    _need(user, Perm.ASSIGN)
    assignee = None
    if assignee_id is not None:
        assignee = db.get(User, assignee_id)
        if assignee is None or not assignee.active or not can_see_case(assignee, case) \
                or not can(assignee, Perm.NOTE):
            raise DecisionError(422, "that user cannot be given this case")
    case.assignee_id = assignee.id if assignee else None
    _touch(db, case, now)
    _event(db, user, "case.assigned", case, now,
           {"assignee": assignee.username if assignee else None})


def add_note(db: Session, user: User, case: Case, text: str, now: datetime) -> CaseNote:
    _need(user, Perm.NOTE)
    text = text.strip()
    if not text:
        raise DecisionError(422, "a note cannot be empty")
    if len(text) > MAX_NOTE:
        raise DecisionError(422, f"a note is at most {MAX_NOTE} characters")
    note = CaseNote(case_id=case.id, author=user.username, text=text, created_at=now)  # type: ignore[arg-type]
    db.add(note)
    db.flush()
    _touch(db, case, now)
    _event(db, user, "case.note_added", case, now, {"note": note.id, "chars": len(text)})
    return note


def _parent_text(db: Session, item: Item) -> str | None:
    if not item.parent_external_id:
        return None
    parent = db.exec(select(Item).where(Item.platform == item.platform,
                                        Item.external_id == item.parent_external_id)).first()
    return parent.text if parent else None


def dismiss(db: Session, user: User, case: Case, reason: str, now: datetime,
            *, bulk: bool = False) -> LabelledExample:
    """Close as not a concern and keep the item as a labelled negative (labels=[]) so the
    classifiers' false positives can be measured and fixed."""
    _need(user, Perm.DISMISS)
    _need_open(case)
    reason = reason.strip()[:MAX_REASON]
    if not reason:
        raise DecisionError(422, "say why the case is dismissed")
    item = db.get(Item, case.item_id)
    assert item is not None
    n = _mark_acknowledged(db, case, user, now)
    case.status = CaseStatus.DISMISSED.value
    case.dismissed_reason = reason
    case.closed_at = now
    _touch(db, case, now)
    example = LabelledExample(
        item_id=item.id, case_id=case.id, platform=item.platform, kind=item.kind,
        author_role=(AuthorRole.ORGANISATION if item.author_is_owner else AuthorRole.PUBLIC).value,
        context=_parent_text(db, item), text=item.text or "", labels=[],
        predicted=list(case.categories or []), reason=reason, decided_by=user.username,
        created_at=now)
    db.add(example)
    _event(db, user, "case.dismissed", case, now,
           {"reason": reason, "bulk": bulk, "alerts_acknowledged": n})
    return example


def bulk_dismiss(db: Session, user: User, case_ids: list[int], reason: str,
                 now: datetime) -> dict[str, list[int]]:
    """Dismiss many obvious false positives at once. Ids the user cannot see are reported
    as skipped exactly like ids that do not exist, so the answer reveals nothing."""
    _need(user, Perm.DISMISS)
    done: list[int] = []
    skipped: list[int] = []
    for cid in sorted(set(case_ids))[:500]:
        case = db.get(Case, cid, with_for_update=True)
        if case is None or not can_see_case(user, case) or not CaseStatus(case.status).is_open:
            skipped.append(cid)
            continue
        dismiss(db, user, case, reason, now, bulk=True)
        done.append(cid)
    return {"dismissed": done, "skipped": skipped}


def escalate(db: Session, user: User, case: Case, *, agency: str, reference: str | None,
             referred_on: date | None, notes: str | None, now: datetime) -> Referral:
    _need(user, Perm.ESCALATE)
    if agency not in AGENCIES:
        raise DecisionError(422, f"agency must be one of {', '.join(AGENCIES)}")
    if case.status in (CaseStatus.DISMISSED, CaseStatus.RESOLVED):
        raise DecisionError(409, f"case {case.id} is {case.status}; it is closed")
    when = datetime.combine(referred_on, time(), now.tzinfo) if referred_on else now
    ref = Referral(case_id=case.id, agency=agency, reference=(reference or "").strip()[:200] or None,  # type: ignore[arg-type]
                   referred_on=when, made_by=user.username,
                   notes=(notes or "").strip()[:MAX_NOTE] or None, created_at=now)
    db.add(ref)
    db.flush()
    n = _mark_acknowledged(db, case, user, now)
    case.status = CaseStatus.ESCALATED.value
    _touch(db, case, now)
    _event(db, user, "case.escalated", case, now,
           {"referral": ref.id, "agency": agency, "reference": ref.reference,
            "referred_on": when.date().isoformat(), "alerts_acknowledged": n})
    return ref


def resolve(db: Session, user: User, case: Case, now: datetime, *, note: str | None = None) -> None:
    _need(user, Perm.RESOLVE)
    _need_open(case)
    n = _mark_acknowledged(db, case, user, now)
    case.status = CaseStatus.RESOLVED.value
    case.closed_at = now
    _touch(db, case, now)
    _event(db, user, "case.resolved", case, now,
           {"alerts_acknowledged": n, "note": (note or "").strip()[:MAX_REASON] or None})
