"""Command-line additions for records (issue 10), added by ``register``:

    safeguard complaints export --from 2026-10-01 --to 2026-10-31 [--location ID] --out log.csv|log.pdf
    safeguard evidence build CASE_ID --by USERNAME --out PACK.zip
    safeguard evidence verify PACK.zip [--fingerprint "ab12 cd34 …"]
    safeguard report --month 2026-10 [--location ID] [--audience dsl|manager] [--out DIR]
    safeguard bench records [--items 100000 --cases 2000 --photos 20]

Why ``--by`` on ``evidence build``? The pack and the audit trail name the person who
built it, and the same rule as on the review page decides whether they may (a
safeguarding pack: the DSL or the deputy only).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from monitor.cliutil import ConfigOpt, DbOpt, actor as current_actor, friendly



def _runtime(config: Path | None, db: str | None):  # type: ignore[no-untyped-def]
    from monitor.config import Settings
    from monitor.db import require_schema
    from monitor.runtime import Runtime

    rt = Runtime.from_settings(Settings(), config_path=str(config) if config else None, database_url=db)
    require_schema(rt.engine)
    return rt


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add ``complaints``, ``evidence``, ``report`` and ``bench records``."""
    complaints = typer.Typer(help="The complaints log.", no_args_is_help=True)
    evidence = typer.Typer(help="Signed evidence packs for escalated or referred cases.", no_args_is_help=True)
    app.add_typer(complaints, name="complaints")
    app.add_typer(evidence, name="evidence")

    @complaints.command("export")
    @friendly
    def complaints_export(
        start: Annotated[str, typer.Option("--from", help="first day received, YYYY-MM-DD")],
        end: Annotated[str, typer.Option("--to", help="last day received, YYYY-MM-DD")],
        out: Annotated[Path, typer.Option(help="file to write: .csv or .pdf")],
        location: Annotated[str | None, typer.Option(help="location id (default: all)")] = None,
        config: ConfigOpt = None, db: DbOpt = None,
    ) -> None:
        """Write the complaints log for a date range (and location) as CSV or PDF."""
        from monitor import audit
        from monitor.clock import utcnow
        from monitor.db import session_scope
        from monitor.errors import MonitorError
        from monitor.records.complaints import local_today, log_rows
        from monitor.records.complaints_export import to_csv, to_pdf

        try:
            first, last = date.fromisoformat(start), date.fromisoformat(end)
        except ValueError:
            raise MonitorError("--from/--to: dates as YYYY-MM-DD") from None
        if out.suffix.lower() not in (".csv", ".pdf"):
            raise MonitorError(f"--out {out}: the name must end in .csv or .pdf")
        rt = _runtime(config, db)
        if location and rt.config.location(location) is None:
            raise MonitorError(f"--location {location!r}: no such location in the configuration")
        now = utcnow()
        names = {loc.id: loc.name for loc in rt.config.locations}
        with session_scope(rt.engine) as session:
            rows = log_rows(session, start=first, end=last, location_id=location)
            today = local_today(now, rt.config.timezone)
            if out.suffix.lower() == ".csv":
                out.write_text(to_csv(rows, locations=names, today=today), encoding="utf-8", newline="")
            else:
                out.write_bytes(to_pdf(rows, organisation=rt.config.organisation, locations=names,
                                       start=first, end=last, location=location, today=today,
                                       generated_at=now))
            audit.append(session, actor=current_actor(), action="complaints.exported", subject_type="complaints",
                         subject_id=location or "all", detail={"from": start, "to": end, "rows": len(rows),
                                                               "format": out.suffix.lower()[1:]})
        typer.echo(f"wrote {len(rows)} complaint(s) to {out}")

    @evidence.command("build")
    @friendly
    def evidence_build(
        case_id: Annotated[int, typer.Argument(help="case number")],
        out: Annotated[Path, typer.Option(help="zip file to write")],
        by: Annotated[str, typer.Option(help="username of the person building the pack")],
        config: ConfigOpt = None, db: DbOpt = None,
    ) -> None:
        """Build the signed evidence pack of an escalated or referred case (audited)."""
        from sqlmodel import select

        from monitor.clock import utcnow
        from monitor.db import session_scope
        from monitor.errors import MonitorError
        from monitor.models import Case, User
        from monitor.records.evidence import build_pack

        rt = _runtime(config, db)
        with session_scope(rt.engine) as session:
            user = session.exec(select(User).where(User.username == by)).first()
            case = session.get(Case, case_id)
            if user is None:
                raise MonitorError(f"--by {by!r}: no such user")
            if case is None:
                raise MonitorError(f"no case {case_id}")
            pack = build_pack(session, rt.config, case, user=user, now=utcnow())
            out.write_bytes(pack.data)
        typer.echo(f"wrote {out}: case {case_id}, {pack.files} files, SHA-256 {pack.sha256}")
        typer.echo(f"signing key fingerprint: {pack.fingerprint}")

    @evidence.command("verify")
    @friendly
    def evidence_verify(
        pack: Annotated[Path, typer.Argument(help="the pack (.zip)")],
        fingerprint: Annotated[str | None, typer.Option(help="the organisation's key fingerprint to insist on")] = None,
        record: Annotated[bool, typer.Option(help="record the opening in the audit trail (needs the database)")] = True,
        config: ConfigOpt = None, db: DbOpt = None,
    ) -> None:
        """Check the signature and every hash; say precisely what changed. Exit 1 if anything did."""
        from monitor.clock import utcnow
        from monitor.db import session_scope
        from monitor.errors import MonitorError
        from monitor.records.evidence import record_opened, sha256
        from monitor.records.evidence_verify import verify_pack

        if not pack.is_file():
            raise MonitorError(f"{pack}: no such file")
        data = pack.read_bytes()
        report = verify_pack(data, expected_fingerprint=fingerprint)
        for line in report.lines():
            typer.echo(line)
        if record and report.case_id is not None:
            try:
                rt = _runtime(config, db)
                with session_scope(rt.engine) as session:
                    record_opened(session, actor=current_actor(), case_id=int(report.case_id),
                                  pack_sha256=sha256(data), via="cli verify", now=utcnow())
                typer.echo("(opening recorded in the audit trail)")
            except MonitorError as err:
                typer.echo(f"(opening not recorded: {err})", err=True)
        if not report.ok:
            raise typer.Exit(1)

    @app.command("report")
    @friendly
    def report_cmd(
        month: Annotated[str, typer.Option(help="YYYY-MM")],
        location: Annotated[str | None, typer.Option(help="location id (default: the whole organisation)")] = None,
        audience: Annotated[str, typer.Option(help="dsl (all cases) or manager (no safeguarding cases)")] = "",
        out: Annotated[Path, typer.Option(help="directory to write into")] = Path("."),
        config: ConfigOpt = None, db: DbOpt = None,
    ) -> None:
        """Write the monthly report (PDF, HTML and chart images) for the organisation or one location.

        The default audience is "manager" for a location report and "dsl" for the whole
        organisation."""
        from monitor.clock import utcnow
        from monitor.db import session_scope
        from monitor.errors import MonitorError
        from monitor.records.report import build_report, write_report

        who = audience or ("manager" if location else "dsl")
        if who not in ("dsl", "manager"):
            raise MonitorError("--audience: dsl or manager")
        rt = _runtime(config, db)
        with session_scope(rt.engine) as session:
            rep = build_report(session, rt.config, month=month, location_id=location,
                               include_safeguarding=who == "dsl", now=utcnow())
        paths = write_report(rep, out)
        f = rep.figures
        typer.echo(f"{f.scope}, {month}: {f.items_total:,} items, {f.cases_total} cases "
                   f"({'safeguarding included' if f.include_safeguarding else 'without safeguarding cases'})")
        for p in paths[:2]:
            typer.echo(f"  wrote {p}")

    @bench.command("records")
    def bench_records(items: int = 100_000, cases: int = 2_000, photos: int = 20) -> None:
        """Monthly report for ITEMS items / CASES cases, and an evidence pack with PHOTOS photos."""
        from monitor.records.bench import run_bench

        typer.echo(run_bench(items=items, cases=cases, photos=photos))
