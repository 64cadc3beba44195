"""The monthly report's figures, computed with a few aggregate queries.

Why aggregates and not rows? A month can hold 100,000 items; the report needs their count
per platform, not the items. Cases (a few thousand a month at most) are read as narrow
tuples and summarised in Python, which keeps the percentiles exact on both databases.

Audience: a report for a Setting Manager (``include_safeguarding=False``) leaves
safeguarding cases out of every figure, list and chart — not only their text. The review
page applies the same rule: a Setting Manager must not learn such a case exists, and a
count is a disclosure too. Such a report says so in its footer.

Definitions printed on the report:
- *time to acknowledge*: case opened → first acknowledgement (or decision);
- *time to resolve*: case opened → closed (resolved, actioned or dismissed);
- *false-positive rate*: dismissed cases / cases decided (closed), among cases opened in
  the month.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from monitor.clock import ensure_utc
from monitor.config import Config
from monitor.models import Account, Case, Complaint, Finding, Item, Referral, SyncState, Takedown
from monitor.outbox import masked_excerpt
from monitor.records.errors import RecordsError
from monitor.types import CaseStatus, Category, Severity

CATEGORIES = [c.value for c in Category]
SEVERITIES = [s.value for s in Severity]
CLOSED = {CaseStatus.RESOLVED.value, CaseStatus.ACTIONED.value, CaseStatus.DISMISSED.value}


def month_bounds(month: str, tz: str = "Europe/London") -> tuple[datetime, datetime, date]:
    """UTC [start, end) of a calendar month in the organisation's time zone."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise RecordsError(f"--month {month!r}: expected YYYY-MM, e.g. 2026-10") from None
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    zone = ZoneInfo(tz)
    start = datetime(first.year, first.month, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(nxt.year, nxt.month, 1, tzinfo=zone).astimezone(UTC)
    return start, end, first


def previous_month(now: datetime, tz: str = "Europe/London") -> str:
    local = (ensure_utc(now) or now).astimezone(ZoneInfo(tz)).date().replace(day=1)
    prev = local - timedelta(days=1)
    return f"{prev.year:04d}-{prev.month:02d}"


@dataclass(frozen=True)
class Durations:
    count: int
    median_hours: float | None
    worst_hours: float | None
    pending: int  # not yet acknowledged / not yet closed


def _durations(pairs: list[tuple[datetime, datetime | None]]) -> Durations:
    hours = [((ensure_utc(b) - ensure_utc(a)).total_seconds() / 3600)  # type: ignore[operator]
             for a, b in pairs if b is not None]
    return Durations(len(hours), statistics.median(hours) if hours else None,
                     max(hours) if hours else None, sum(1 for _, b in pairs if b is None))


@dataclass
class ConnectorRow:
    account: str
    platform: str
    health: str
    detail: str
    last_success: datetime | None
    failures: int
    items: int


@dataclass
class OpenCase:
    id: int
    opened_at: datetime
    severity: str
    categories: list[str]
    status: str
    location: str
    excerpt: str  # masked; never the text of a safeguarding case


@dataclass
class MonthlyFigures:
    organisation: str
    month: str
    scope: str  # "Whole organisation" or a location's name
    location_id: str | None
    include_safeguarding: bool
    generated_at: datetime
    items_per_platform: dict[str, int] = field(default_factory=dict)
    cases_total: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_severity: dict[str, int] = field(default_factory=dict)
    weeks: list[str] = field(default_factory=list)  # labels, Monday of each week
    category_by_week: dict[str, list[int]] = field(default_factory=dict)
    severity_by_week: dict[str, list[int]] = field(default_factory=dict)
    acknowledge: Durations = Durations(0, None, None, 0)
    resolve: Durations = Durations(0, None, None, 0)
    ack_by_severity: dict[str, Durations] = field(default_factory=dict)
    escalations: dict[str, int] = field(default_factory=dict)  # referrals by agency
    takedowns: dict[str, int] = field(default_factory=dict)  # by status
    decided: int = 0
    dismissed: int = 0
    connectors: list[ConnectorRow] = field(default_factory=list)
    complaints_received: int = 0
    complaints_answered_in_time: int = 0
    complaints_overdue: int = 0
    open_cases: list[OpenCase] = field(default_factory=list)

    @property
    def items_total(self) -> int:
        return sum(self.items_per_platform.values())

    @property
    def false_positive_rate(self) -> float | None:
        return self.dismissed / self.decided if self.decided else None


def _week_start(at: datetime, zone: ZoneInfo) -> date:
    d = (ensure_utc(at) or at).astimezone(zone).date()
    return d - timedelta(days=d.weekday())


def compute(session: Session, config: Config, *, month: str, location_id: str | None = None,
            include_safeguarding: bool = True, now: datetime, open_limit: int = 10) -> MonthlyFigures:
    start, end, first = month_bounds(month, config.timezone)
    zone = ZoneInfo(config.timezone)
    loc = config.location(location_id) if location_id else None
    if location_id and loc is None:
        raise RecordsError(f"--location {location_id!r}: no such location in the configuration")
    f = MonthlyFigures(organisation=config.organisation, month=month,
                       scope=loc.name if loc else "Whole organisation", location_id=location_id,
                       include_safeguarding=include_safeguarding, generated_at=now)
    accounts = list(session.exec(select(Account).where(Account.location_id == location_id)
                                 if location_id else select(Account)))
    account_ids = [a.id for a in accounts]

    # -- items watched --------------------------------------------------------------
    per_account: dict[str, int] = {}
    if account_ids:
        q = (select(Item.account_id, Item.platform, func.count())
             .where(col(Item.fetched_at) >= start, col(Item.fetched_at) < end,
                    col(Item.account_id).in_(account_ids))
             .group_by(Item.account_id, Item.platform))
        platforms: Counter[str] = Counter()
        for acc, platform, n in session.exec(q):  # type: ignore[call-overload]
            platforms[platform] += n
            per_account[acc] = per_account.get(acc, 0) + n
        f.items_per_platform = dict(sorted(platforms.items(), key=lambda kv: -kv[1]))

    # -- cases opened in the month ----------------------------------------------------
    cq = select(Case.id, Case.opened_at, Case.acknowledged_at, Case.closed_at, Case.status,  # type: ignore[call-overload]
                Case.severity, Case.categories, Case.location_id, Case.item_id).where(
        col(Case.opened_at) >= start, col(Case.opened_at) < end)
    if location_id:
        cq = cq.where(Case.location_id == location_id)
    rows = [r for r in session.exec(cq)  # type: ignore[call-overload]
            if include_safeguarding or Category.SAFEGUARDING.value not in (r[6] or [])]
    f.cases_total = len(rows)
    weeks: list[date] = []
    wk = _week_start(start, zone)
    while datetime.combine(wk, datetime.min.time(), zone) < end:
        weeks.append(wk)
        wk += timedelta(days=7)
    f.weeks = [w.strftime("%d %b") for w in weeks]
    windex = {w: i for i, w in enumerate(weeks)}
    cat_week = {c: [0] * len(weeks) for c in CATEGORIES}
    sev_week = {s: [0] * len(weeks) for s in SEVERITIES}
    cats: Counter[str] = Counter()
    sevs: Counter[str] = Counter()
    ack_pairs: list[tuple[datetime, datetime | None]] = []
    res_pairs: list[tuple[datetime, datetime | None]] = []
    ack_sev: dict[str, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for cid, opened, acked, closed, status, severity, categories, _loc, _item in rows:
        w = windex.get(_week_start(opened, zone))
        for c in categories or []:
            cats[c] += 1
            if w is not None and c in cat_week:
                cat_week[c][w] += 1
        sevs[severity] += 1
        if w is not None and severity in sev_week:
            sev_week[severity][w] += 1
        ack_pairs.append((opened, acked))
        ack_sev[severity].append((opened, acked))
        res_pairs.append((opened, closed if status in CLOSED else None))
        if status in CLOSED:
            f.decided += 1
            f.dismissed += status == CaseStatus.DISMISSED.value
    f.by_category = {c: cats[c] for c in CATEGORIES if cats[c]}
    f.by_severity = {s: sevs[s] for s in SEVERITIES if sevs[s]}
    f.category_by_week = {c: v for c, v in cat_week.items() if any(v)}
    f.severity_by_week = {s: v for s, v in sev_week.items() if any(v)}
    f.acknowledge, f.resolve = _durations(ack_pairs), _durations(res_pairs)
    f.ack_by_severity = {s: _durations(ack_sev[s]) for s in SEVERITIES if ack_sev.get(s)}

    # -- escalations and take-downs in the month (of cases in scope) ------------------
    visible = _visible_case_ids(session, location_id, include_safeguarding)
    f.escalations = _count_by(session, Referral, Referral.agency, Referral.created_at, start, end, visible)
    f.takedowns = _count_by(session, Takedown, Takedown.status, Takedown.created_at, start, end, visible)

    # -- connector health ------------------------------------------------------------
    sync: dict[str, tuple[datetime | None, int]] = {}
    for acc, last_ok, fails in session.exec(  # type: ignore[call-overload]
            select(SyncState.account_id, func.max(SyncState.last_success_at),
                   func.max(SyncState.consecutive_failures)).group_by(SyncState.account_id)):
        sync[acc] = (last_ok, fails or 0)
    f.connectors = [ConnectorRow(a.id, a.platform, a.health, a.health_detail or "",
                                 sync.get(a.id, (None, 0))[0], sync.get(a.id, (None, 0))[1],
                                 per_account.get(a.id, 0)) for a in accounts]

    # -- complaints ------------------------------------------------------------------
    last_day = (end.astimezone(zone) - timedelta(seconds=1)).date()
    cmq = select(Complaint).where(col(Complaint.received_on) >= first, col(Complaint.received_on) <= last_day)
    if location_id:
        cmq = cmq.where(Complaint.location_id == location_id)
    if not include_safeguarding:
        cmq = cmq.where(col(Complaint.case_id).in_(visible))
    today = (ensure_utc(now) or now).astimezone(zone).date()
    for c in session.exec(cmq):
        f.complaints_received += 1
        if c.complainant_told_on is not None and c.complainant_told_on <= c.respond_by:
            f.complaints_answered_in_time += 1
        elif c.complainant_told_on is None and today > c.respond_by:
            f.complaints_overdue += 1

    # -- oldest open cases (masked excerpts; never safeguarding text) -----------------
    open_rows = sorted((r for r in rows if CaseStatus(r[4]).is_open), key=lambda r: r[1])[:open_limit]
    items = {i.id: i for i in session.exec(select(Item).where(
        col(Item.id).in_([r[8] for r in open_rows])))} if open_rows else {}
    spans: dict[int, list[dict]] = defaultdict(list)
    if items:
        for fi in session.exec(select(Finding).where(col(Finding.item_id).in_(list(items)))):
            if fi.item_version == items[fi.item_id].version:
                spans[fi.item_id].extend(fi.spans or [])
    for cid, opened, _a, _c, status, severity, categories, loc_id, item_id in open_rows:
        safeguarding = Category.SAFEGUARDING.value in (categories or [])
        it = items.get(item_id)
        excerpt = ("[safeguarding: read it on the review page]" if safeguarding
                   else masked_excerpt(it.text if it else None, spans[item_id], limit=100))
        lname = config.location(loc_id)
        f.open_cases.append(OpenCase(cid, opened, severity, list(categories or []), status,
                                     lname.name if lname else (loc_id or "organisation"), excerpt))
    return f


def _visible_case_ids(session: Session, location_id: str | None, include_safeguarding: bool) -> Any:
    """A sub-select of the case ids in scope (location, and safeguarding if excluded)."""
    from sqlalchemy import String, cast, not_

    q = select(Case.id)
    if location_id:
        q = q.where(Case.location_id == location_id)
    if not include_safeguarding:
        q = q.where(not_(cast(Case.categories, String).like(f'%"{Category.SAFEGUARDING.value}"%')))
    return q


def _count_by(session: Session, model: Any, key: Any, when: Any, start: datetime,
              end: datetime, case_ids: Any) -> dict[str, int]:
    q = (select(key, func.count()).where(when >= start, when < end, col(model.case_id).in_(case_ids))
         .group_by(key))
    return {k: n for k, n in session.exec(q)}  # type: ignore[call-overload]
