"""The complaints log: deadlines on a controllable clock, reminders through the outbox,
and exports an inspector can open safely (CSV without formulas, PDF without markup)."""

from __future__ import annotations

import csv
import io
import mailbox
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.clock import FrozenClock
from monitor.config import Config
from monitor.db import session_scope
from monitor.models import Alert, Case, Complaint
from monitor.records.complaints import due_complaints, open_complaint, remind_due, update_complaint
from monitor.records.complaints_export import csv_safe, to_csv, to_pdf
from monitor.records.errors import NotEligible, RecordsError
from tests.records.conftest import pipeline_case, records_config

RECEIVED = date(2026, 10, 1)
INJECTION = ('<font size="40" color="red">BIG</font> <a href="http://evil.example">click</a> '
             '<img src="/etc/passwd"/> & done')


def _complaint(db: Engine, cfg: Config, *, summary: str = "Child came home with a bruise",
               received_on: date | None = RECEIVED, ext: str = "c1") -> Complaint:
    case = pipeline_case(db, cfg, ext, "This is a disgrace, nobody told me my son was hurt")
    with session_scope(db) as s:
        return open_complaint(s, s.get(Case, case.id), actor="manager", config=cfg,  # type: ignore[arg-type]
                              now=datetime(2026, 10, 1, 9, tzinfo=UTC), summary=summary,
                              complainant="Mrs Parent", received_on=received_on)


def _due(db: Engine, now: datetime, **kw: object) -> list[tuple[int, str, int]]:
    with session_scope(db) as s:
        return [(d.complaint.id, d.state, d.days_left) for d in due_complaints(s, now, **kw)]  # type: ignore[misc, arg-type]


def test_the_deadline_is_28_days_after_receipt_by_default(db: Engine, cfg: Config) -> None:
    """A complaint received on 1 October must be answered by 29 October."""
    assert _complaint(db, cfg).respond_by == date(2026, 10, 29)


def test_the_deadline_follows_the_configuration(db: Engine, tmp_path: Path) -> None:
    """``records.complaint_response_days`` changes the deadline of new complaints."""
    cfg = records_config(tmp_path, complaint_response_days=14)
    assert _complaint(db, cfg).respond_by == date(2026, 10, 15)


def test_received_date_is_the_uk_calendar_day(db: Engine, cfg: Config) -> None:
    """A comment posted at 00:30 BST on 1 October was received on 1 October, not 30 September."""
    case = pipeline_case(db, cfg, "c-bst", "Unacceptable, I will complain")
    with session_scope(db) as s:
        c = s.get(Case, case.id)
        from monitor.models import Item

        it = s.get(Item, c.item_id)  # type: ignore[union-attr]
        it.created_at = datetime(2026, 9, 30, 23, 30, tzinfo=UTC)  # type: ignore[union-attr]
        s.add(it)
        s.flush()
        row = open_complaint(s, c, actor="manager", config=cfg, now=datetime(2026, 10, 1, tzinfo=UTC),  # type: ignore[arg-type]
                             summary="late-night comment")
    assert row.received_on == date(2026, 10, 1)


def test_only_complaint_cases_can_be_logged_and_only_once(db: Engine, cfg: Config) -> None:
    """An abuse case is refused; a second complaint for the same case is refused."""
    abuse = pipeline_case(db, cfg, "c-abuse", "you are a useless idiot")
    c = _complaint(db, cfg)
    with session_scope(db) as s, pytest.raises(NotEligible):
        open_complaint(s, s.get(Case, abuse.id), actor="m", config=cfg, now=datetime.now(UTC), summary="x")  # type: ignore[arg-type]
    with session_scope(db) as s, pytest.raises(RecordsError):
        open_complaint(s, s.get(Case, c.case_id), actor="m", config=cfg, now=datetime.now(UTC), summary="x")  # type: ignore[arg-type]


def test_due_soon_then_overdue_then_gone_once_answered(db: Engine, cfg: Config) -> None:
    """As the clock moves: nothing due, due soon a week before, overdue after, gone when told."""
    c = _complaint(db, cfg)
    with FrozenClock(datetime(2026, 10, 21, 9, tzinfo=UTC)) as clock:  # 8 days left
        assert _due(db, clock.now) == []
        clock.advance(days=1)  # 22 Oct: 7 days left
        assert _due(db, clock.now) == [(c.id, "due_soon", 7)]
        clock.advance(days=7)  # 29 Oct: the deadline day itself is still "due soon"
        assert _due(db, clock.now) == [(c.id, "due_soon", 0)]
        clock.advance(days=1)
        assert _due(db, clock.now) == [(c.id, "overdue", -1)]
        with session_scope(db) as s:
            row = s.get(Complaint, c.id)
            update_complaint(s, row, actor="manager", now=clock.now, outcome="Apologised; staff retrained",  # type: ignore[arg-type]
                             complainant_told_on=date(2026, 10, 30))
        assert _due(db, clock.now) == []


def test_due_list_is_scoped_to_the_managers_locations(db: Engine, cfg: Config) -> None:
    """A Setting Manager's alerts list only complaints at their own locations."""
    c = _complaint(db, cfg)
    late = datetime(2026, 11, 15, tzinfo=UTC)
    assert [x[0] for x in _due(db, late, location_ids=["oakfield"])] == [c.id]
    assert _due(db, late, location_ids=["elm"]) == []


def test_reminders_are_queued_once_a_day_and_delivered(db: Engine, cfg: Config) -> None:
    """One reminder per complaint, person and channel per day; overdue ones also reach the DSL."""
    from monitor.outbox import build_notifiers, deliver_due

    c = _complaint(db, cfg)
    with FrozenClock(datetime(2026, 10, 25, 8, tzinfo=UTC)) as clock:
        assert remind_due(db, cfg, worker_id="t") == 1  # sm-oak by mailbox
        assert remind_due(db, cfg, worker_id="t") == 0  # same day: nothing new
        clock.advance(days=5)  # overdue
        assert remind_due(db, cfg, worker_id="t") == 2  # sm-oak and the DSL
        with session_scope(db) as s:
            alerts = list(s.exec(select(Alert).where(Alert.reason == "reminder")))
        assert {a.recipient for a in alerts} == {"sm-oak", "dsl"}
        assert all(a.case_id == c.case_id and "Complaint #" in (a.note or "") for a in alerts)
        res = deliver_due(db, cfg, build_notifiers(cfg), worker_id="t")
    assert res.sent >= 3
    assert len(mailbox.mbox(cfg.alerts.mailbox_file)) >= 3


def test_csv_export_neutralises_formulas(db: Engine, cfg: Config) -> None:
    """A summary starting with '=' is exported as text, not as a spreadsheet formula."""
    c = _complaint(db, cfg, summary='=HYPERLINK("http://evil.example","click")')
    out = to_csv([c], locations={"oakfield": "Oakfield Club"}, today=date(2026, 11, 1))
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[1][6] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert rows[1][-1] == "OVERDUE"
    assert [csv_safe(v) for v in ("+1", "-2", "@x", "\tx", "ok")] == ["'+1", "'-2", "'@x", "'\tx", "ok"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_export_prints_markup_literally(db: Engine, cfg: Config, tmp_path: Path) -> None:
    """<font>, <a href> and <img> in a complaint are printed as typed, never interpreted."""
    c = _complaint(db, cfg, summary=INJECTION)
    pdf = to_pdf([c], organisation="Kidspace <b>Care</b>", locations={"oakfield": "Oakfield Club"},
                 start=date(2026, 10, 1), end=date(2026, 10, 31), location="oakfield",
                 today=date(2026, 11, 1), generated_at=datetime(2026, 11, 1, tzinfo=UTC))
    (tmp_path / "log.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-raw", str(tmp_path / "log.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    for literal in ('<font size="40"', "</font>", '<a href="http://evil.example">', '<img src="/etc/passwd"/>',
                    "Kidspace <b>Care</b>"):
        assert literal.replace(" ", "") in flat.replace(" ", ""), literal
    assert b"/URI" not in pdf and b"evil.example" not in pdf.split(b"stream")[0]  # no link annotation


def test_a_complaint_on_a_safeguarding_case_reminds_the_dsl_only(db: Engine, cfg: Config) -> None:
    """The manager is not told a complaint exists when its case is also a safeguarding case."""
    case = pipeline_case(db, cfg, "c-both", "Disgrace. He hits me and said keep it a secret")
    with session_scope(db) as s:
        row = s.get(Case, case.id)
        assert row is not None and {"complaint", "safeguarding"} <= set(row.categories)
        open_complaint(s, row, actor="dsl", config=cfg, now=datetime(2026, 10, 1, tzinfo=UTC),
                       summary="raised with the DSL", received_on=RECEIVED)
    with FrozenClock(datetime(2026, 10, 25, 8, tzinfo=UTC)):
        assert remind_due(db, cfg, worker_id="t") == 1
    with session_scope(db) as s:
        assert [a.recipient for a in s.exec(select(Alert).where(Alert.reason == "reminder"))] == ["dsl"]
