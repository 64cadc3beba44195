"""Operations commands, added to ``safeguard`` by ``register(app, bench)``.

    safeguard rotate-key                         re-encrypt secrets with the newest key
    safeguard bench pipeline [-n N --accounts A] daemon throughput, 1 and 2 processes
"""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cliutil import DbOpt, friendly




def rotate_key(db: DbOpt = None) -> None:
    """Re-encrypt stored tokens and roster names with the first key of SAFEGUARD_SECRET_KEY."""
    from monitor.config import Settings
    from monitor.db import make_engine
    from monitor.keyrotation import rotate_all
    from monitor.logs import setup_logging

    s = Settings()
    setup_logging(s.log_level, json_lines=s.log_json)
    engine = make_engine(db or s.database_url)
    try:
        res = rotate_all(engine, actor="cli:rotate-key")
    finally:
        engine.dispose()
    typer.echo(f"re-encrypted with the newest key: {res.credentials} credentials, "
               f"{res.roster_names} roster children ({res.fingerprints_rekeyed} look-up "
               "fingerprints re-keyed). Next: remove the old key from SAFEGUARD_SECRET_KEY, "
               "restart, and run rotate-key once more (deploy/OPERATIONS.md)")


def bench_pipeline(n: Annotated[int, typer.Option("-n", help="items in all")] = 20_000,
                   accounts: Annotated[int, typer.Option(help="static accounts")] = 4,
                   processes: Annotated[list[int] | None, typer.Option(help="daemon counts to run")] = None) -> None:
    """Items/s from ingest to alert outbox with 1 and 2 daemon processes on PostgreSQL, and RSS."""
    from monitor.bench_pipeline import run_bench

    typer.echo(run_bench(items=n, accounts=accounts, processes=tuple(processes or (1, 2))))


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.command("rotate-key")(friendly(rotate_key))
    bench.command("pipeline")(friendly(bench_pipeline))
