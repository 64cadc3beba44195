"""The monthly e-mail job and the command line, end to end on a SQLite file."""

from __future__ import annotations

import io
import mailbox
import shutil
import subprocess
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import typer
import yaml
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from monitor.config import Config
from monitor.db import session_scope
from monitor.models import Case
from monitor.records.cli import register
from monitor.records.complaints import open_complaint
from monitor.records.report_mail import monthly_reports_job
from monitor.records.synthetic import SAFEGUARDING_MARK, populate
from monitor.web import decisions
from tests.records.conftest import T0, add_users, pipeline_case


def test_reports_are_mailed_once_in_the_first_week(db: Engine, cfg: Config, tmp_path: Path) -> None:
    """The org report to the DSL, deputy and admin, the location's to its manager, never twice."""
    with session_scope(db) as s:
        populate(s, month="2026-10", items=300, cases=60)
    assert monthly_reports_job(db, cfg, worker_id="t", now=datetime(2026, 11, 10, tzinfo=UTC)) == 0
    assert monthly_reports_job(db, cfg, worker_id="t", now=datetime(2026, 11, 1, 6, tzinfo=UTC)) == 4
    assert monthly_reports_job(db, cfg, worker_id="t", now=datetime(2026, 11, 1, 7, tzinfo=UTC)) == 0
    box = mailbox.mbox(cfg.alerts.mailbox_file)
    to_manager = [m for m in box if m["To"] == "sam@example.org"]
    assert len(box) == 4 and len(to_manager) == 1
    pdf = next(p.get_payload(decode=True) for p in to_manager[0].walk()
               if p.get_content_type() == "application/pdf")
    if shutil.which("pdftotext"):
        (tmp_path / "m.pdf").write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(tmp_path / "m.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "Oakfield Club" in text and SAFEGUARDING_MARK not in text
        assert "not included in this report" in text


@pytest.fixture
def cli(db: Engine, cfg: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    path = tmp_path / "safeguard.yaml"
    path.write_text(yaml.safe_dump(cfg.model_dump(mode="json")), encoding="utf-8")
    monkeypatch.setenv("SAFEGUARD_CONFIG", str(path))
    monkeypatch.setenv("SAFEGUARD_DATABASE_URL", str(db.url))
    return CliRunner()


def _app() -> typer.Typer:
    app, bench = typer.Typer(), typer.Typer()
    app.add_typer(bench, name="bench")
    register(app, bench)
    return app


def test_cli_builds_verifies_and_refuses_a_tampered_pack(cli: CliRunner, db: Engine, cfg: Config,
                                                         tmp_path: Path) -> None:
    """`evidence build` then `evidence verify` passes; a changed summary exits 1 naming it."""
    case = pipeline_case(db, cfg, "c-cli", "he hits me, keep it a secret")
    users = add_users(db)
    with session_scope(db) as s:
        decisions.escalate(s, users["dsl"], s.get(Case, case.id), agency="police", reference="P1",  # type: ignore[arg-type]
                           referred_on=date(2026, 11, 2), notes=None, now=T0)
    app, pack = _app(), tmp_path / "pack.zip"
    refused = cli.invoke(app, ["evidence", "build", str(case.id), "--by", "manager", "--out", str(pack)])
    assert refused.exit_code == 2 and "may not build" in refused.output
    built = cli.invoke(app, ["evidence", "build", str(case.id), "--by", "dsl", "--out", str(pack)])
    assert built.exit_code == 0, built.output
    ok = cli.invoke(app, ["evidence", "verify", str(pack)])
    assert ok.exit_code == 0 and ok.output.startswith("OK") and "opening recorded" in ok.output
    src = zipfile.ZipFile(pack)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data + b"%" if info.filename == "summary.pdf" else data)
    (tmp_path / "bad.zip").write_bytes(out.getvalue())
    bad = cli.invoke(app, ["evidence", "verify", str(tmp_path / "bad.zip"), "--no-record"])
    assert bad.exit_code == 1 and "summary.pdf: content changed" in bad.output


def test_cli_writes_the_report_and_the_complaints_log(cli: CliRunner, db: Engine, cfg: Config,
                                                      tmp_path: Path) -> None:
    """`report --month` writes PDF and HTML; `complaints export` writes a CSV with the row."""
    case = pipeline_case(db, cfg, "c-log", "This is a disgrace, I'm going to Ofsted")
    with session_scope(db) as s:
        open_complaint(s, s.get(Case, case.id), actor="manager", config=cfg, now=T0,  # type: ignore[arg-type]
                       summary="Going to Ofsted", received_on=date(2026, 11, 2))
    app = _app()
    rep = cli.invoke(app, ["report", "--month", "2026-11", "--location", "oakfield", "--out", str(tmp_path / "r")])
    assert rep.exit_code == 0, rep.output
    assert (tmp_path / "r" / "report-2026-11-oakfield.pdf").read_bytes().startswith(b"%PDF")
    assert "without safeguarding cases" in rep.output
    exp = cli.invoke(app, ["complaints", "export", "--from", "2026-11-01", "--to", "2026-11-30",
                           "--out", str(tmp_path / "log.csv")])
    assert exp.exit_code == 0, exp.output
    assert "Going to Ofsted" in (tmp_path / "log.csv").read_text()
    bad = cli.invoke(app, ["report", "--month", "October"])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output
