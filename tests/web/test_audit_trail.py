"""The audit trail: verification finds tampering and says where; page, CSV and CLI."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import text
from sqlmodel import Session

from monitor import audit
from monitor.db import session_scope
from monitor.web.auditlog import neutralise
from tests.web.factories import make_case


@pytest.fixture
def chain(engine):  # type: ignore[no-untyped-def]
    """Ten events, seq 1..10."""
    with session_scope(engine) as s:
        for n in range(10):
            audit.append(s, actor="dsl", action="case.viewed", subject_type="case", subject_id=str(n))
    return engine


def _verify(engine):  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return audit.verify(s)


def _sql(engine, stmt: str) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as c:
        c.execute(text(stmt))


def test_intact_chain_verifies(chain):
    """An untouched chain verifies, counting every event."""
    r = _verify(chain)
    assert r.ok and r.events == 10


def test_changed_event_is_found(chain):
    """Editing one event's content breaks the chain at exactly that event."""
    _sql(chain, "UPDATE auditevent SET actor = 'someone else' WHERE seq = 4")
    r = _verify(chain)
    assert not r.ok and r.at_seq == 4 and "changed" in r.problem


def test_removed_event_is_found(chain):
    """Deleting an event leaves a gap the verifier names."""
    _sql(chain, "DELETE FROM auditevent WHERE seq = 6")
    r = _verify(chain)
    assert not r.ok and r.at_seq == 6 and "missing" in r.problem


def test_removed_last_event_and_rehashed_tail_is_still_found(chain):
    """Renumbering after a deletion cannot hide it: the next event's link breaks."""
    _sql(chain, "DELETE FROM auditevent WHERE seq = 6")
    for n in range(7, 11):
        _sql(chain, f"UPDATE auditevent SET seq = {n - 1} WHERE seq = {n}")
    r = _verify(chain)
    assert not r.ok and r.at_seq == 6 and "link" in r.problem


def test_reordered_events_are_found(chain):
    """Swapping two events' positions breaks the chain where the swap begins."""
    _sql(chain, "UPDATE auditevent SET seq = -1 WHERE seq = 3")
    _sql(chain, "UPDATE auditevent SET seq = 3 WHERE seq = 8")
    _sql(chain, "UPDATE auditevent SET seq = 8 WHERE seq = -1")
    r = _verify(chain)
    assert not r.ok and r.at_seq == 3


def test_verify_through_the_page_and_api(chain, as_role):
    """The DSL can run verification from the audit page and the API; both say where."""
    _sql(chain, "UPDATE auditevent SET detail = '{\"x\": 1}' WHERE seq = 2")
    c, _ = as_role("dsl")
    body = c.get("/api/audit/verify").json()
    assert body["ok"] is False and body["at_seq"] == 2
    assert "BROKEN at seq 2" in c.get("/audit", params={"verify": "true"}).text


def test_audit_page_filters_by_subject(engine, as_role):
    """Filtering shows one case's history only."""
    a = make_case(engine, categories=["complaint"])
    b = make_case(engine, categories=["complaint"])
    c, _ = as_role("dsl")
    c.get(f"/cases/{a}")
    c.get(f"/cases/{b}")
    html = c.get("/audit", params={"subject_type": "case", "subject_id": str(a)}).text
    assert f'href="/cases/{a}"' in html and f'href="/cases/{b}"' not in html


def test_csv_export_neutralises_formula_cells(engine, as_role):
    """Cells that a spreadsheet would run as a formula are prefixed with a quote."""
    cid = make_case(engine, categories=["complaint"])
    c, tok = as_role("dsl")
    c.post(f"/cases/{cid}/dismiss", data={"csrf_token": tok, "reason": "=HYPERLINK(\"http://x\")"})
    r = c.get("/audit.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    dismissed = [row for row in rows if row["action"] == "case.dismissed"]
    assert dismissed and dismissed[0]["detail"].startswith("{")  # JSON cell, not a formula
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    assert neutralise("=1+1") == "'=1+1" and neutralise("-2") == "'-2" and neutralise("@x") == "'@x"
    assert neutralise("ok") == "ok"
    with Session(engine) as s:
        assert audit.verify(s).ok
