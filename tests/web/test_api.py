"""The JSON API: same decisions and checks as the pages, authenticated by the session
cookie with the CSRF token in a header."""

from __future__ import annotations

from sqlmodel import Session, select

from monitor.models import Alert, AuditEvent, Case, LabelledExample, Referral
from tests.web.factories import make_case


def test_api_triage_flow(engine, as_role):
    """List → read (audited) → acknowledge → note → escalate, all through JSON."""
    cid = make_case(engine, categories=["safeguarding"], severity="critical", text="keep it secret")
    c, tok = as_role("dsl")
    h = {"X-CSRF-Token": tok}
    listed = c.get("/api/cases").json()
    assert cid in [x["id"] for x in listed["data"]] and listed["counts"]["new"] >= 1
    detail = c.get(f"/api/cases/{cid}").json()
    assert detail["item"]["text"] == "keep it secret" and detail["findings"][0]["model_version"] == "kw-1.0"
    assert detail["item"]["raw"] is None
    assert c.post(f"/api/cases/{cid}/acknowledge", headers=h).json()["status"] == "in_review"
    assert c.post(f"/api/cases/{cid}/notes", json={"text": "rang LADO"}, headers=h).status_code == 201
    r = c.post(f"/api/cases/{cid}/escalate", headers=h,
               json={"agency": "lado", "reference": "L-1", "referred_on": "2026-11-26"})
    assert r.status_code == 201 and r.json()["agency"] == "lado"
    with Session(engine) as s:
        assert s.get(Case, cid).status == "escalated"
        assert s.exec(select(Referral).where(Referral.case_id == cid)).one().reference == "L-1"
        assert all(a.acknowledged_by == "dsl" for a in s.exec(select(Alert).where(Alert.case_id == cid)))
        views = s.exec(select(AuditEvent).where(AuditEvent.action == "case.viewed",
                                                AuditEvent.subject_id == str(cid))).all()
        assert [v.detail for v in views] == [{"via": "api"}]


def test_api_dismiss_and_bulk_dismiss(engine, as_role):
    """Dismissal via the API also keeps labelled examples; bulk reports what it skipped."""
    a, b = (make_case(engine, categories=["abuse"]) for _ in range(2))
    hidden = make_case(engine, categories=["safeguarding"])
    c, tok = as_role("manager")
    h = {"X-CSRF-Token": tok}
    assert c.post(f"/api/cases/{a}/dismiss", json={"reason": "banter"}, headers=h).json()["status"] == "dismissed"
    r = c.post("/api/cases/bulk-dismiss", json={"reason": "dup", "case_ids": [a, b, hidden, 999999]}, headers=h)
    assert r.json() == {"dismissed": [b], "skipped": sorted([a, hidden, 999999])}
    with Session(engine) as s:
        assert len(s.exec(select(LabelledExample).where(LabelledExample.case_id.in_([a, b]))).all()) == 2


def test_api_validation_errors_do_not_echo_input(as_role, engine):
    """A bad body gets 422 listing fields, without repeating the submitted values."""
    cid = make_case(engine, categories=["complaint"])
    c, tok = as_role("dsl")
    r = c.post(f"/api/cases/{cid}/escalate", json={"agency": "<script>x</script>"},
               headers={"X-CSRF-Token": tok})
    assert r.status_code == 422 and "<script>" not in r.text


def test_api_logout_ends_the_session(as_role):
    """DELETE /api/session signs out; the cookie no longer works."""
    c, tok = as_role("viewer")
    assert c.delete("/api/session", headers={"X-CSRF-Token": tok}).status_code == 204
    assert c.get("/api/cases").status_code == 401
