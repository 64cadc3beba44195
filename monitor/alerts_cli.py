"""Command-line additions for alerts (issue 4), added by ``register``:

    safeguard alerts check                 prove each channel works (sends nothing)
    safeguard alerts retry-failed [--channel slack]   requeue FAILED alerts once fixed
    safeguard bench alerts [--seconds 60 --rate 50]   webhook → Slack latency, p50/p95
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from monitor.cliutil import ConfigOpt, DbOpt, actor as current_actor



def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add the ``alerts`` group and ``bench alerts``."""
    alerts_app = typer.Typer(help="Alert channels and the outbox.", no_args_is_help=True)
    app.add_typer(alerts_app, name="alerts")

    @alerts_app.command("check")
    def alerts_check(config: ConfigOpt = None) -> None:
        """Check Slack (auth.test), SMTP (connect, STARTTLS, login) and the mailbox; sends nothing."""
        from monitor.alerts_admin import check_channels
        from monitor.config import Settings, load_config
        from monitor.errors import MonitorError

        try:
            cfg = load_config(config or Settings().config)
        except MonitorError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(2) from None
        results = check_channels(cfg)
        for ok, line in results:
            typer.echo(f"{'ok  ' if ok else 'FAIL'} {line}")
        if not all(ok for ok, _ in results):
            raise typer.Exit(1)

    @alerts_app.command("retry-failed")
    def alerts_retry_failed(
        channel: Annotated[str | None, typer.Option(help="only this channel (slack, email, mailbox)")] = None,
        db: DbOpt = None,
    ) -> None:
        """Requeue alerts that FAILED (after fixing the token or password); audited."""
        from monitor.alerts_admin import retry_failed
        from monitor.config import Settings
        from monitor.db import make_engine, require_schema
        from monitor.errors import MonitorError

        try:
            engine = make_engine(db or Settings().database_url)
            require_schema(engine)
        except MonitorError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(2) from None
        n = retry_failed(engine, actor=current_actor(), channel=channel)
        typer.echo(f"{n} failed alert(s) requeued")

    @bench.command("alerts")
    def bench_alerts(
        rate: Annotated[float, typer.Option(help="webhook events per second")] = 50.0,
        seconds: Annotated[float, typer.Option(help="how long to send events")] = 60.0,
        trained: Annotated[bool, typer.Option(help="use the trained classifiers if installed")] = False,
        db: Annotated[str | None, typer.Option(help="database URL (default: a temporary SQLite file)")] = None,
    ) -> None:
        """Webhook event received → Slack API call made: p50 and p95 against a local fake Slack."""
        from monitor.bench_alerts import run_bench

        logging.getLogger("monitor").setLevel(logging.ERROR)
        logging.getLogger("connectors").setLevel(logging.ERROR)
        typer.echo(run_bench(rate=rate, seconds=seconds, trained=trained, db=db).summary())
