"""Everything held about one author handle, as JSON (a subject access request).

Why match the handle case-insensitively and without a leading "@"? People write their
handle either way in a request, and platforms treat handles case-insensitively; a
missed row would make the answer to a legal request incomplete.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, SQLModel, col, select

from monitor import audit
from monitor.models import (
    AuditEvent,
    Case,
    CaseNote,
    Finding,
    Item,
    ItemVersion,
    LabelledExample,
    Referral,
    Takedown,
)


def _dump(row: SQLModel) -> dict[str, Any]:
    return row.model_dump(mode="json")


def normalise_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def author_export(session: Session, handle: str, *, actor: str, now: datetime) -> dict[str, Any]:
    h = normalise_handle(handle)
    items = list(session.exec(select(Item).where(or_(
        func.lower(Item.author_handle) == h, func.lower(Item.author_handle) == "@" + h)
    ).order_by(col(Item.id))).all())
    ids = [i.id for i in items]
    cases = list(session.exec(select(Case).where(col(Case.item_id).in_(ids)))) if ids else []
    cids = [c.id for c in cases]
    out_items = []
    for it in items:
        out_items.append({
            **_dump(it),
            "versions": [_dump(v) for v in session.exec(
                select(ItemVersion).where(ItemVersion.item_id == it.id).order_by(col(ItemVersion.version)))],
            "findings": [_dump(f) for f in session.exec(select(Finding).where(Finding.item_id == it.id))],
        })
    out_cases = []
    for c in cases:
        out_cases.append({
            **_dump(c),
            "notes": [_dump(n) for n in session.exec(select(CaseNote).where(CaseNote.case_id == c.id))],
            "referrals": [_dump(r) for r in session.exec(select(Referral).where(Referral.case_id == c.id))],
            "takedowns": [_dump(t) for t in session.exec(select(Takedown).where(Takedown.case_id == c.id))],
        })
    labelled = [_dump(x) for x in session.exec(
        select(LabelledExample).where(col(LabelledExample.item_id).in_(ids)))] if ids else []
    events = []
    if ids:
        events = [_dump(e) for e in session.exec(select(AuditEvent).where(or_(
            and_(col(AuditEvent.subject_type) == "item",
                 col(AuditEvent.subject_id).in_([str(i) for i in ids])),
            and_(col(AuditEvent.subject_type) == "case",
                 col(AuditEvent.subject_id).in_([str(c) for c in cids])),
        )).order_by(col(AuditEvent.seq)))]
    audit.append(session, actor=actor, action="data.author_exported", subject_type="author",
                 subject_id=h, detail={"items": len(items), "cases": len(cases)}, at=now)
    return {
        "handle": h,
        "exported_at": now.isoformat(),
        "exported_by": actor,
        "items": out_items,
        "cases": out_cases,
        "labelled_examples": labelled,
        "audit_events": events,
    }
