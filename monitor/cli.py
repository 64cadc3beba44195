"""The ``safeguard`` command line (typer).

Core commands live here; each area adds its own through a ``register(app, bench)``
function (classifiers, connectors, alerts, web), so this file stays a table of contents.
Every command turns a ``MonitorError`` into one clear line on stderr and exit code 2 —
never a traceback for a problem the user can fix.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from monitor.cliutil import ConfigOpt, DbOpt, friendly, runtime_for

from monitor.config import Settings, load_config
from monitor.errors import MonitorError
from monitor.logs import setup_logging

app = typer.Typer(help="Safeguard Monitor: watches the organisation's own social media accounts.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
bench = typer.Typer(help="Benchmarks: each ends with one summary line of figures and units.",
                    no_args_is_help=True)
app.add_typer(bench, name="bench")



runtime = runtime_for


@app.command("check-config")
@friendly
def check_config(path: Annotated[Path | None, typer.Argument(help="config file")] = None,
                 config: ConfigOpt = None) -> None:
    """Validate a configuration file and say what it describes."""
    target = path or config or Settings().config
    cfg = load_config(target)
    typer.echo(f"{target}: OK — {len(cfg.locations)} locations, {len(cfg.people)} people, "
               f"{len(cfg.accounts)} accounts, classifiers {', '.join(cfg.classifiers)}")
    from monitor.config import read_secret

    for acc in cfg.accounts:
        if acc.platform != "static" and not read_secret(env=acc.token_env, file=acc.token_file):
            typer.echo(f"  warning: accounts.{acc.id}: no token in "
                       f"{'$' + acc.token_env if acc.token_env else acc.token_file or 'the environment'} "
                       "(or set one with `safeguard account set-token`)")


@app.command()
@friendly
def init(config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Create or migrate the database, and mirror the configured accounts into it."""
    from monitor.accounts import sync_from_config
    from monitor.db import migrate, session_scope

    rt = runtime(config, db)
    migrate(rt.engine)
    with session_scope(rt.engine) as session:
        sync_from_config(session, rt.config)
    typer.echo(f"database ready: {rt.engine.url.render_as_string(hide_password=True)}")


@app.command()
@friendly
def run(config: ConfigOpt = None, db: DbOpt = None,
        web: Annotated[bool, typer.Option(help="also serve the review page and webhooks")] = False,
        host: Annotated[str, typer.Option(help="address the web side listens on")] = "127.0.0.1",
        port: int = 8000,
        metrics_port: Annotated[int | None, typer.Option(help="Prometheus /metrics on this port")] = None) -> None:
    """Run the daemon until SIGTERM/SIGINT."""
    from monitor.daemon import Daemon

    rt = runtime(config, db)
    if metrics_port:
        from monitor import metrics

        metrics.serve(metrics_port)
    if web:
        from monitor.webserve import serve_in_thread

        serve_in_thread(rt, host=host, port=port)
    Daemon(rt).run_forever()


@app.command()
@friendly
def status(config: ConfigOpt = None, db: DbOpt = None,
           as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Accounts, last sync, errors, open cases by severity, outbox."""
    from monitor.status import collect, render

    rt = runtime(config, db)
    data = collect(rt)
    typer.echo(json.dumps(data, indent=2, default=str) if as_json else render(data))


@app.command()
@friendly
def demo(directory: Annotated[Path, typer.Option("--dir", help="where the demo keeps its files")] = Path("demo-run"),
         port: Annotated[int, typer.Option(help="review page port (0: don't serve)")] = 8000,
         once: Annotated[bool, typer.Option("--once", help="stop after the first full cycle")] = False,
         classifier: Annotated[list[str] | None, typer.Option(help="classifier names (default: the full set)")] = None) -> None:
    """A simulated platform, the daemon on SQLite, alerts in a local mailbox, the review page."""
    from monitor.demo import run_demo

    setup_logging("WARNING")
    sys.exit(run_demo(directory, port=port, once=once, classifiers=classifier))


@app.command()
def keygen() -> None:
    """Print a new encryption key for SAFEGUARD_SECRET_KEY."""
    from monitor.crypto import generate_key

    typer.echo(generate_key())


account = typer.Typer(help="Accounts and their credentials.", no_args_is_help=True)
app.add_typer(account, name="account")


@account.command("set-token")
@friendly
def set_token(account_id: str, config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Store an account's access token encrypted in the database (read from stdin)."""
    from monitor.accounts import store_token, sync_from_config
    from monitor.db import session_scope

    rt = runtime(config, db)
    if rt.config.account(account_id) is None:
        raise MonitorError(f"no account {account_id!r} in the configuration")
    token = sys.stdin.readline().strip()
    if not token:
        raise MonitorError("no token on standard input")
    with session_scope(rt.engine) as session:
        sync_from_config(session, rt.config)
        store_token(session, account_id, token)
    typer.echo(f"token stored (encrypted) for {account_id}")


roster = typer.Typer(help="The children's roster (names encrypted at rest).", no_args_is_help=True)
app.add_typer(roster, name="roster")


@roster.command("import")
@friendly
def roster_import(csv_file: Annotated[Path, typer.Argument(help="CSV: name, known_as, location, photo_consent")],
                  config: ConfigOpt = None, db: DbOpt = None,
                  replace: Annotated[bool, typer.Option(help="remove children not in the file")] = False,
                  by: Annotated[str, typer.Option(help="who is importing (for the audit trail)")] = "cli") -> None:
    """Import the roster; the running daemon picks the change up within a minute."""
    from monitor.accounts import sync_from_config
    from monitor.db import require_schema, session_scope
    from monitor.roster import import_csv

    rt = runtime(config, db)
    require_schema(rt.engine)
    with session_scope(rt.engine) as session:
        sync_from_config(session, rt.config)
        res = import_csv(session, rt.config, csv_file, by=by, replace=replace)
    for problem in res.problems:
        typer.echo(f"  skipped: {problem}", err=True)
    typer.echo(f"roster: {res.added} added, {res.updated} updated, {res.unchanged} unchanged"
               + (f", {len(res.problems)} skipped" if res.problems else ""))


feedback = typer.Typer(help="Reviewer decisions as labelled data.", no_args_is_help=True)
app.add_typer(feedback, name="feedback")


@feedback.command("export")
@friendly
def feedback_export(out: Annotated[Path, typer.Option(help="JSON lines file to write")],
                    config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Write reviewer decisions for `safeguard train --feedback` and `safeguard eval`."""
    from monitor.db import require_schema, session_scope
    from monitor.feedback import export_jsonl

    rt = runtime(config, db)
    require_schema(rt.engine)
    n = 0
    with session_scope(rt.engine) as session, out.open("w", encoding="utf-8") as fh:
        for line in export_jsonl(session):
            fh.write(line + "\n")
            n += 1
    typer.echo(f"wrote {n} labelled examples to {out}")


@bench.command("ingest")
@friendly
def bench_ingest(n: Annotated[int, typer.Option("-n")] = 100_000, batch: int = 1000,
                 backend: Annotated[list[str] | None, typer.Option(help="sqlite and/or postgresql")] = None) -> None:
    """Items per second through ingest → classify → case → outbox, and peak memory."""
    from monitor.bench_ingest import run_bench

    typer.echo(run_bench(n=n, batch=batch, backends=tuple(backend or ("sqlite", "postgresql"))))


# Each area adds its commands.
for _area in ("classifiers.cli", "classifiers.images.cli", "connectors.cli", "monitor.alerts_cli",
              "monitor.web.cli", "monitor.records.cli", "monitor.ops_cli"):
    importlib.import_module(_area).register(app, bench)


if __name__ == "__main__":
    app()
