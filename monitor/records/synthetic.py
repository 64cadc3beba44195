"""A month of synthetic activity (items, cases, decisions) for the report tests and bench.

Deterministic for a seed. Rows are bulk-inserted (``insert().values`` in chunks) because
the benchmark writes 100,000 items; the content is clearly fake. Safeguarding cases carry
the marker ``SAFEGUARDING-TEXT-<n>`` so a test can prove that no such text reaches a
Setting Manager's report.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert
from sqlmodel import Session, col, select

from monitor.models import Account, Case, Complaint, Item, Location, Referral, SyncState, Takedown
from monitor.records.report_data import month_bounds

ACCOUNTS = [("fb-oak", "facebook", "oakfield"), ("ig-oak", "instagram", "oakfield"),
            ("fb-elm", "facebook", "elm"), ("yt-elm", "youtube", "elm"), ("x-org", "x", None)]
CATS = ["safeguarding", "child_identification", "abuse", "complaint", "personal_data"]
SEV_FOR = {"safeguarding": "critical", "child_identification": "high", "abuse": "medium",
           "complaint": "medium", "personal_data": "low"}
SAFEGUARDING_MARK = "SAFEGUARDING-TEXT-"


def _chunks(rows: list[dict], n: int = 2000):  # type: ignore[no-untyped-def]
    for i in range(0, len(rows), n):
        yield rows[i:i + n]


def populate(session: Session, *, month: str, items: int = 2000, cases: int = 200,
             seed: int = 7, tz: str = "Europe/London") -> dict[str, int]:
    rnd = random.Random(seed)
    start, end, _first = month_bounds(month, tz)
    span = (end - start).total_seconds()
    for lid, name in (("oakfield", "Oakfield Club"), ("elm", "Elm Road Club")):
        if session.get(Location, lid) is None:
            session.add(Location(id=lid, name=name))
    session.flush()
    for aid, platform, loc in ACCOUNTS:
        if session.get(Account, aid) is None:
            session.add(Account(id=aid, platform=platform, external_id=f"ext-{aid}", location_id=loc,
                                health="degraded" if aid == "yt-elm" else "ok",
                                health_detail="quota exhausted twice" if aid == "yt-elm" else None))
            session.add(SyncState(account_id=aid, last_success_at=end - timedelta(hours=rnd.randint(1, 30)),
                                  consecutive_failures=2 if aid == "yt-elm" else 0))
    session.flush()
    case_items = set(rnd.sample(range(items), cases))
    item_rows, case_plan = [], []
    for n in range(items):
        aid, platform, loc = ACCOUNTS[n % len(ACCOUNTS)]
        at = start + timedelta(seconds=rnd.uniform(0, span - 7200))
        text = f"Lovely day at the club, comment {n}"
        cat = None
        if n in case_items:
            cat = rnd.choices(CATS, weights=[1, 2, 3, 4, 2])[0]
            text = (f"{SAFEGUARDING_MARK}{n} he hits me" if cat == "safeguarding"
                    else f"Case text {n}: this is unacceptable")
            case_plan.append((f"syn-{seed}-{n}", aid, platform, loc, cat, at))
        item_rows.append({"platform": platform, "external_id": f"syn-{seed}-{n}",
                          "account_id": aid, "kind": "comment", "text": text, "media": [],
                          "author_name": "A Parent", "author_is_owner": False,
                          "created_at": at, "fetched_at": at + timedelta(seconds=30),
                          "content_hash": f"{n:064x}", "version": 1, "state": "done",
                          "attempts": 0, "hidden": False, "removed": False})
    for chunk in _chunks(item_rows):
        session.execute(insert(Item).values(chunk))
    session.flush()
    ids: dict[str, int] = {}
    wanted = [p[0] for p in case_plan]
    for i in range(0, len(wanted), 500):
        ids.update({ext: iid for iid, ext in session.exec(  # type: ignore[misc]
            select(Item.id, Item.external_id).where(col(Item.external_id).in_(wanted[i:i + 500])))})
    counts = {"items": items, "cases": 0, "referrals": 0, "takedowns": 0, "complaints": 0}
    for ext, aid, platform, loc, cat, at in case_plan:
        item_id = ids[ext]
        opened = at + timedelta(minutes=2)
        status = rnd.choices(["new", "in_review", "resolved", "dismissed", "escalated", "actioned"],
                             weights=[1, 1, 4, 3, 1, 1])[0]
        acked = None if status == "new" else opened + timedelta(minutes=rnd.expovariate(1 / 90))
        closed = (acked + timedelta(hours=rnd.expovariate(1 / 20))
                  if acked and status in ("resolved", "dismissed", "actioned") else None)
        c = Case(item_id=item_id, item_version=1, account_id=aid, location_id=loc, platform=platform,
                 severity=SEV_FOR[cat], categories=[cat], status=status, opened_at=opened,
                 updated_at=closed or acked or opened, acknowledged_at=acked,
                 acknowledged_by="dsl" if acked else None, closed_at=closed,
                 dismissed_reason="not a concern" if status == "dismissed" else None)
        session.add(c)
        session.flush()
        counts["cases"] += 1
        if status == "escalated":
            session.add(Referral(case_id=c.id, agency=rnd.choice(["lado", "police", "local_authority"]),  # type: ignore[arg-type]
                                 reference=f"REF-{c.id}", referred_on=acked, made_by="dsl",
                                 created_at=acked or opened))
            counts["referrals"] += 1
        if status == "actioned":
            session.add(Takedown(case_id=c.id, action="hide", requested_by="manager",  # type: ignore[arg-type]
                                 status=rnd.choice(["done", "done", "failed"]), created_at=acked or opened,
                                 completed_at=closed))
            counts["takedowns"] += 1
        if cat == "complaint" and rnd.random() < 0.5:
            received = (opened.date())
            told = received + timedelta(days=rnd.randint(3, 35)) if rnd.random() < 0.7 else None
            session.add(Complaint(case_id=c.id, location_id=loc, complainant="A Parent",  # type: ignore[arg-type]
                                  summary=f"Complaint about case {c.id}", received_on=received,
                                  respond_by=received + timedelta(days=28), complainant_told_on=told,
                                  status="responded" if told else "open", opened_by="manager"))
            counts["complaints"] += 1
    session.flush()
    return counts
