"""Read side of the review page: the queue, counts and everything shown on a case page.

Every function takes the signed-in user and applies ``visible_cases_clause``, so no route
can forget the role and location scope. Thread context is filtered too: a neighbouring
comment that has a case the user may not see (a safeguarding disclosure under a post a
Setting Manager is reviewing) is left out rather than shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import HTTPException
from sqlalchemy import String, and_, cast, func, or_
from sqlalchemy import case as sql_case
from sqlmodel import Session, col, select

from monitor.models import (
    Alert,
    AuditEvent,
    Case,
    CaseNote,
    Finding,
    Item,
    Referral,
    Takedown,
    User,
)
from monitor.types import CaseStatus, Category, Severity
from monitor.web.permissions import (
    SAFEGUARDING_ROLES,
    Perm,
    can,
    can_see_case,
    role_of,
    visible_cases_clause,
)

OPEN_STATUSES = [s.value for s in CaseStatus if s.is_open]
NEIGHBOURS = 3  # comments shown either side of the flagged one

_severity_rank = sql_case({s.value: s.rank for s in Severity}, value=Case.severity, else_=-1)


@dataclass
class QueueFilters:
    """The queue's filters; ``status=None`` means every open status."""

    status: str | None = None
    severity: str | None = None
    category: str | None = None
    location: str | None = None
    platform: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    def as_query(self) -> dict[str, str]:
        out = {k: str(v) for k, v in vars(self).items() if v not in (None, "") and k != "page"}
        return out


def _conditions(user: User, f: QueueFilters) -> list[Any]:
    where: list[Any] = [visible_cases_clause(user)]
    if f.status == "all":
        pass
    elif f.status:
        where.append(Case.status == f.status)
    else:
        where.append(col(Case.status).in_(OPEN_STATUSES))
    if f.severity:
        where.append(Case.severity == f.severity)
    if f.category:
        where.append(cast(Case.categories, String).like(f'%"{_like_safe(f.category)}"%'))
    if f.location:
        where.append(Case.location_id == f.location)
    if f.platform:
        where.append(Case.platform == f.platform)
    if f.date_from:
        where.append(col(Case.opened_at) >= datetime.combine(f.date_from, time(), UTC))
    if f.date_to:
        where.append(col(Case.opened_at) < datetime.combine(f.date_to + timedelta(days=1), time(), UTC))
    return where


def _like_safe(value: str) -> str:
    return "".join(ch for ch in value if ch.isalnum() or ch == "_")


def queue(db: Session, user: User, f: QueueFilters, *, page_size: int) -> tuple[list[tuple[Case, Item]], int]:
    """Visible cases matching ``f``, most severe first, then oldest first."""
    where = _conditions(user, f)
    total = db.exec(select(func.count()).select_from(Case).where(*where)).one()
    stmt = (select(Case, Item).join(Item, col(Item.id) == Case.item_id).where(*where)
            .order_by(_severity_rank.desc(), col(Case.opened_at), col(Case.id))
            .offset(max(f.page - 1, 0) * page_size).limit(page_size))
    rows = [(c, i) for c, i in db.exec(stmt).all()]
    return rows, int(total)


def state_counts(db: Session, user: User) -> dict[str, int]:
    """Cases per status among those the user may see (hidden cases are not counted)."""
    rows = db.exec(select(Case.status, func.count()).where(visible_cases_clause(user))
                   .group_by(Case.status)).all()
    counts = {s.value: 0 for s in CaseStatus}
    counts.update({status: int(n) for status, n in rows})
    return counts


def facet_values(db: Session, user: User) -> dict[str, list[str]]:
    vis = visible_cases_clause(user)
    return {
        "location": sorted(x for x in db.exec(select(Case.location_id).where(vis).distinct()) if x),
        "platform": sorted(x for x in db.exec(select(Case.platform).where(vis).distinct()) if x),
    }


def visible_case(db: Session, user: User, case_id: int, *, lock: bool = False) -> Case:
    """The case, or 404 whether it does not exist or the user may not see it.

    ``lock`` (every decision) takes the row lock on PostgreSQL, so two reviewers deciding
    at the same moment are applied one after the other and the second sees the first's
    outcome (e.g. 409 "already dismissed") instead of both writing. SQLite already runs
    one writer at a time (BEGIN IMMEDIATE)."""
    case = db.get(Case, case_id, with_for_update=lock or None)
    if case is None or not can_see_case(user, case):
        raise HTTPException(status_code=404, detail="no such case")
    return case


def _hidden_item_ids(db: Session, user: User, item_ids: list[int]) -> set[int]:
    if not item_ids:
        return set()
    rows = db.exec(select(Case).where(col(Case.item_id).in_(item_ids))).all()
    return {c.item_id for c in rows if not can_see_case(user, c)}


def _neighbours(db: Session, item: Item) -> list[Item]:
    """Up to NEIGHBOURS siblings either side of ``item`` in (created_at, id) order, fetched
    with two bounded queries (a busy post can have thousands of comments)."""
    same = (Item.platform == item.platform, Item.parent_external_id == item.parent_external_id,
            col(Item.id) != item.id)
    t = item.created_at
    if t is None:
        return list(db.exec(select(Item).where(*same).order_by(col(Item.id)).limit(NEIGHBOURS * 2)).all())
    before = or_(col(Item.created_at) < t, and_(col(Item.created_at) == t, col(Item.id) < item.id))
    after = or_(col(Item.created_at) > t, and_(col(Item.created_at) == t, col(Item.id) > item.id))
    older = db.exec(select(Item).where(*same, before)
                    .order_by(col(Item.created_at).desc(), col(Item.id).desc()).limit(NEIGHBOURS)).all()
    newer = db.exec(select(Item).where(*same, after)
                    .order_by(col(Item.created_at), col(Item.id)).limit(NEIGHBOURS)).all()
    return [*reversed(older), item, *newer]


def thread(db: Session, user: User, item: Item) -> dict[str, Any]:
    """The parent post and up to NEIGHBOURS sibling comments either side of ``item``.

    Items whose cases the user may not see are dropped without a trace (no "n hidden"
    notice: that would tell a Setting Manager a safeguarding case sits in this thread)."""
    parent = None
    siblings: list[Item] = []
    if item.parent_external_id:
        parent = db.exec(select(Item).where(Item.platform == item.platform,
                                            Item.external_id == item.parent_external_id)).first()
        siblings = _neighbours(db, item)
    replies = list(db.exec(select(Item).where(Item.platform == item.platform,
                                              Item.parent_external_id == item.external_id)
                           .order_by(col(Item.created_at), col(Item.id)).limit(NEIGHBOURS * 2)).all())
    hidden = _hidden_item_ids(db, user, [i.id for i in [*siblings, *replies]
                                         + ([parent] if parent else []) if i.id is not None])
    if parent is not None and parent.id in hidden:
        parent = None
    return {
        "parent": parent,
        "siblings": [s for s in siblings if s.id not in hidden],
        "replies": [r for r in replies if r.id not in hidden],
    }


def case_details(db: Session, user: User, case: Case) -> dict[str, Any]:
    """Everything the case page and ``GET /api/cases/{id}`` show."""
    item = db.get(Item, case.item_id)
    assert item is not None
    findings = list(db.exec(select(Finding).where(Finding.item_id == item.id)
                            .order_by(col(Finding.item_version).desc(), col(Finding.score).desc())).all())
    if role_of(user) not in SAFEGUARDING_ROLES:
        # A safeguarding score below the policy threshold did not make this a safeguarding
        # case, but it still hints at one: only the DSL's roles see it.
        findings = [f for f in findings if f.category != Category.SAFEGUARDING.value]
    history = list(db.exec(select(AuditEvent).where(or_(
        and_(col(AuditEvent.subject_type) == "case", col(AuditEvent.subject_id) == str(case.id)),
        and_(col(AuditEvent.subject_type) == "item", col(AuditEvent.subject_id) == str(item.id)),
    )).order_by(col(AuditEvent.seq))).all())
    return {
        "case": case,
        "item": item,
        "thread": thread(db, user, item),
        "findings": findings,
        "current_findings": [f for f in findings if f.item_version == item.version],
        "alerts": list(db.exec(select(Alert).where(Alert.case_id == case.id)
                               .order_by(col(Alert.created_at), col(Alert.id))).all()),
        "notes": list(db.exec(select(CaseNote).where(CaseNote.case_id == case.id)
                              .order_by(col(CaseNote.created_at), col(CaseNote.id))).all()),
        "referrals": list(db.exec(select(Referral).where(Referral.case_id == case.id)
                                  .order_by(col(Referral.id))).all()),
        "takedowns": list(db.exec(select(Takedown).where(Takedown.case_id == case.id)
                                  .order_by(col(Takedown.id))).all()),
        "history": history,
        "assignee": db.get(User, case.assignee_id) if case.assignee_id else None,
    }


def assignable_users(db: Session, case: Case) -> list[User]:
    """Active users who could see this case (never hand a safeguarding case to a
    Setting Manager)."""
    users = db.exec(select(User).where(col(User.active).is_(True)).order_by(col(User.username))).all()
    return [u for u in users if can_see_case(u, case) and can(u, Perm.NOTE)]
