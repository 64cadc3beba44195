"""The decisions a reviewer makes on a case, through the HTML forms."""

from __future__ import annotations

from sqlmodel import Session, select

from monitor.models import Alert, AuditEvent, Case, CaseNote, LabelledExample, Referral
from tests.web.factories import make_case


def _events(engine, case_id: int) -> list[str]:
    with Session(engine) as s:
        return [e.action for e in s.exec(select(AuditEvent).where(
            AuditEvent.subject_type == "case", AuditEvent.subject_id == str(case_id))
            .order_by(AuditEvent.seq))]


def test_queue_lists_open_cases_most_severe_then_oldest_first(engine, as_role, clock):
    """Critical before high before medium; within a severity the oldest case comes first."""
    from datetime import timedelta

    from tests.web.factories import T0
    newer = make_case(engine, categories=["complaint"], severity="medium", opened=T0)
    older = make_case(engine, categories=["complaint"], severity="medium", opened=T0 - timedelta(hours=5))
    crit = make_case(engine, categories=["safeguarding"], severity="critical", opened=T0)
    closed = make_case(engine, categories=["abuse"], severity="high", status="dismissed")
    c, _ = as_role("dsl")
    html = c.get("/queue").text
    order = [html.index(f'href="/cases/{i}"') for i in (crit, older, newer)]
    assert order == sorted(order)
    assert f'href="/cases/{closed}"' not in html
    assert 'data-count="dismissed">1<' in html


def test_queue_filters_by_category_and_location(engine, as_role):
    """Filters narrow the queue to what the reviewer asked for."""
    a = make_case(engine, categories=["complaint"], location="loc1")
    b = make_case(engine, categories=["personal_data"], location="loc2")
    c, _ = as_role("dsl")
    html = c.get("/queue", params={"category": "personal_data"}).text
    assert f'/cases/{b}"' in html and f'/cases/{a}"' not in html
    html = c.get("/queue", params={"location": "loc1"}).text
    assert f'/cases/{a}"' in html and f'/cases/{b}"' not in html


def test_viewing_a_case_is_audited(engine, as_role):
    """Every view of a case appends case.viewed to the audit chain."""
    cid = make_case(engine, categories=["complaint"])
    c, _ = as_role("dsl")
    assert c.get(f"/cases/{cid}").status_code == 200
    assert _events(engine, cid) == ["case.viewed"]


def test_acknowledge_stops_alert_escalation(engine, as_role):
    """Acknowledging marks the case and all its alerts acknowledged by the reviewer."""
    cid = make_case(engine, categories=["complaint"], alerts=2)
    c, tok = as_role("dsl")
    r = c.post(f"/cases/{cid}/acknowledge", data={"csrf_token": tok}, follow_redirects=False)
    assert r.status_code == 303
    with Session(engine) as s:
        case = s.get(Case, cid)
        assert case.status == "in_review" and case.acknowledged_by == "dsl"
        alerts = s.exec(select(Alert).where(Alert.case_id == cid)).all()
        assert len(alerts) == 2 and all(a.acknowledged_by == "dsl" and a.acknowledged_at for a in alerts)
    assert "case.acknowledged" in _events(engine, cid)


def test_dismiss_keeps_a_labelled_negative_example(engine, as_role):
    """A dismissal needs a reason and stores the item as labels=[] with the predicted categories."""
    cid = make_case(engine, categories=["abuse", "complaint"], text="bloody weather again")
    c, tok = as_role("manager")
    r = c.post(f"/cases/{cid}/dismiss", data={"csrf_token": tok, "reason": "not a concern",
                                              "detail": "weather"}, follow_redirects=False)
    assert r.status_code == 303
    with Session(engine) as s:
        case = s.get(Case, cid)
        assert case.status == "dismissed" and case.dismissed_reason == "not a concern: weather"
        ex = s.exec(select(LabelledExample).where(LabelledExample.case_id == cid)).one()
        assert ex.labels == [] and ex.predicted == ["abuse", "complaint"]
        assert ex.text == "bloody weather again" and ex.decided_by == "manager"
    assert _events(engine, cid)[-1] == "case.dismissed"


def test_dismissing_twice_is_refused(engine, as_role):
    """A closed case cannot be dismissed again (409), so the labelled data has no duplicates."""
    cid = make_case(engine, categories=["complaint"], status="dismissed")
    c, tok = as_role("dsl")
    assert c.post(f"/cases/{cid}/dismiss", data={"csrf_token": tok, "reason": "x"}).status_code == 409


def test_escalate_records_the_referral(engine, as_role):
    """Escalation stores agency, reference and date, and marks the case escalated."""
    cid = make_case(engine, categories=["safeguarding"], severity="critical")
    c, tok = as_role("deputy")
    r = c.post(f"/cases/{cid}/escalate", data={"csrf_token": tok, "agency": "lado",
                                               "reference": "LADO/2026/0042",
                                               "referred_on": "2026-11-25", "notes": "phoned"},
               follow_redirects=False)
    assert r.status_code == 303
    with Session(engine) as s:
        ref = s.exec(select(Referral).where(Referral.case_id == cid)).one()
        assert (ref.agency, ref.reference, ref.made_by) == ("lado", "LADO/2026/0042", "deputy")
        assert ref.referred_on.date().isoformat() == "2026-11-25"
        assert s.get(Case, cid).status == "escalated"
    assert "LADO/2026/0042" in c.get(f"/cases/{cid}").text


def test_note_assign_and_resolve(engine, as_role, app):
    """Notes are kept, assignment only to someone who may see the case, resolve closes it."""
    from tests.web.factories import seed_org
    ids = seed_org(engine)
    cid = make_case(engine, categories=["safeguarding"], severity="critical")
    c, tok = as_role("dsl")
    assert c.post(f"/cases/{cid}/note", data={"csrf_token": tok, "text": "Called parent"}).status_code == 200
    # a Setting Manager may not be given a safeguarding case
    assert c.post(f"/cases/{cid}/assign", data={"csrf_token": tok,
                                               "assignee_id": str(ids["manager"])}).status_code == 422
    assert c.post(f"/cases/{cid}/assign", data={"csrf_token": tok,
                                               "assignee_id": str(ids["deputy"])}).status_code == 200
    assert c.post(f"/cases/{cid}/resolve", data={"csrf_token": tok, "note": "done"}).status_code == 200
    with Session(engine) as s:
        case = s.get(Case, cid)
        assert case.status == "resolved" and case.assignee_id == ids["deputy"] and case.closed_at
        assert s.exec(select(CaseNote).where(CaseNote.case_id == cid)).one().text == "Called parent"
    actions = _events(engine, cid)
    assert {"case.note_added", "case.assigned", "case.resolved"} <= set(actions)


def test_bulk_dismiss_skips_cases_the_user_cannot_see(engine, as_role):
    """Bulk dismissal closes the visible open cases and silently skips the rest."""
    mine = [make_case(engine, categories=["complaint"]) for _ in range(3)]
    other_loc = make_case(engine, categories=["complaint"], location="loc2")
    sg = make_case(engine, categories=["safeguarding"], severity="critical")
    c, tok = as_role("manager")
    r = c.post("/cases/bulk-dismiss", data={"csrf_token": tok, "reason": "duplicate",
                                            "case_ids": [*map(str, mine), str(other_loc), str(sg)]},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/queue?done=3"
    with Session(engine) as s:
        assert [s.get(Case, i).status for i in mine] == ["dismissed"] * 3
        assert s.get(Case, other_loc).status == "new" and s.get(Case, sg).status == "new"


def test_case_page_shows_parent_and_three_neighbours_each_side(engine, as_role):
    """Thread context: the post, then up to three comments before and after the flagged one."""
    from datetime import timedelta

    from monitor.db import session_scope
    from tests.web.factories import T0, make_item, seed_org
    seed_org(engine)
    with session_scope(engine) as s:
        post = make_item(s, kind="post", text="Welcome back everyone!", owner=True)
        ext = post.external_id
        for n in range(10):
            make_item(s, text=f"neighbour number {n:02d}", parent=ext, created=T0 + timedelta(minutes=n))
    cid = make_case(engine, categories=["complaint"], text="flagged one", parent=ext,
                    created=T0 + timedelta(minutes=4, seconds=30))
    c, _ = as_role("dsl")
    html = c.get(f"/cases/{cid}").text
    assert "Welcome back everyone!" in html
    shown = [n for n in range(10) if f"neighbour number {n:02d}" in html]
    assert shown == [2, 3, 4, 5, 6, 7]


def test_queue_filters_by_severity_platform_and_date(engine, as_role):
    """Severity, platform and opened-date filters; a stale unknown value is ignored."""
    from datetime import timedelta

    from tests.web.factories import T0
    old = make_case(engine, categories=["complaint"], severity="high", opened=T0 - timedelta(days=3))
    new = make_case(engine, categories=["complaint"], severity="medium", opened=T0)
    c, _ = as_role("dsl")

    def ids(**params: str) -> set[int]:
        data = c.get("/api/cases", params=params).json()["data"]
        return {x["id"] for x in data} & {old, new}

    assert ids(severity="high") == {old}
    assert ids(date_from=(T0 - timedelta(days=1)).date().isoformat()) == {new}
    assert ids(date_to=(T0 - timedelta(days=2)).date().isoformat()) == {old}
    assert ids(platform="facebook") == {old, new} and ids(platform="tiktok") == set()
    assert ids(severity="apocalyptic") == {old, new}
