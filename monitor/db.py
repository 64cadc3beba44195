"""Engines, sessions and schema migration for SQLite (embedded) and PostgreSQL.

Why alembic even for SQLite? The same migrations run on both databases, so the schema a
newcomer gets from ``safeguard init`` is the one production gets.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from monitor.errors import StorageError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})

        # Why BEGIN IMMEDIATE? In WAL mode a transaction that read first and writes later
        # fails at once with "database is locked" if another writer got in between. Taking
        # the write lock at BEGIN makes writers queue (busy_timeout) instead; SQLite has
        # one writer at a time anyway. This is SQLAlchemy's documented pysqlite recipe.
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # type: ignore[no-untyped-def]
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=5)


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def check_reachable(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except OperationalError as err:
        raise StorageError(
            f"database {engine.url.render_as_string(hide_password=True)} is unreachable: "
            f"{str(err.orig).strip().splitlines()[0] if err.orig else err}"
        ) from None


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    check_reachable(engine)
    import monitor.models  # noqa: F401 - register the tables

    command.upgrade(alembic_config(engine), "head")


def schema_is_current(engine: Engine) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() == head


def require_schema(engine: Engine) -> None:
    check_reachable(engine)
    if "item" not in inspect(engine).get_table_names() or not schema_is_current(engine):
        raise StorageError(
            f"database {engine.url.render_as_string(hide_password=True)} has no current schema; "
            "run `safeguard init` first"
        )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
