"""What every command-line module shares: the common options and the error wrapper.

Why its own module? ``monitor.cli`` imports each area's ``cli`` module to register its
commands, so the areas cannot import these from ``monitor.cli`` itself.
"""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from monitor.errors import MonitorError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from monitor.runtime import Runtime

F = TypeVar("F", bound=Callable[..., Any])
ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", "-c", help="YAML config (default $SAFEGUARD_CONFIG or config/safeguard.yaml)")]
DbOpt = Annotated[str | None, typer.Option(
    "--db", help="database URL (default $SAFEGUARD_DATABASE_URL or sqlite:///safeguard.db)")]


def friendly(fn: F) -> F:
    """A MonitorError (bad config, no database...) is one line on stderr and exit code 2."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except MonitorError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(2) from None
    return wrapper  # type: ignore[return-value]


def actor() -> str:
    """Who is at the keyboard, for the audit trail."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "cli"


def engine_for(db: str | None = None, *, schema: bool = True) -> Engine:
    """The configured database; with ``schema``, refuse one that `safeguard init` has not made."""
    from monitor.config import Settings
    from monitor.db import make_engine, require_schema

    engine = make_engine(db or Settings().database_url)
    if schema:
        require_schema(engine)
    return engine


def runtime_for(config: Path | None, db: str | None) -> Runtime:
    from monitor.config import Settings
    from monitor.logs import setup_logging
    from monitor.runtime import Runtime

    settings = Settings()
    setup_logging(settings.log_level, json_lines=settings.log_json)
    return Runtime.from_settings(settings, config_path=str(config) if config else None,
                                 database_url=db)
