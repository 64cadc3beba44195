"""Shared fixtures: a fresh database on SQLite and on the local PostgreSQL.

Each PostgreSQL test session works in its own schema (``search_path``), so engineers and
CI runs sharing the ``test`` database never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from connectors.fakes.server import FakePlatformServer
from monitor.db import make_engine, migrate

PG_BASE = os.environ.get("SAFEGUARD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


_SESSION_KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test has an encryption key, never a developer's own key file."""
    monkeypatch.setenv("SAFEGUARD_SECRET_KEY", _SESSION_KEY)


def pg_url(schema: str) -> str:
    return f"{PG_BASE}?options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    """A private schema on the local PostgreSQL for this test session."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_BASE.replace("+psycopg", "+psycopg"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
    except Exception as err:  # pragma: no cover - CI starts PostgreSQL
        pytest.fail(f"local PostgreSQL is not reachable at {PG_BASE}: {err}")
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


def _fresh_pg(pg_schema: str) -> Engine:
    sub = f"{pg_schema}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{sub}"'))
    admin.dispose()
    return make_engine(pg_url(sub))


def drop_pg_schema(engine: Engine) -> None:
    schema = engine.url.query.get("options", "").split("=")[-1]
    engine.dispose()
    if schema:
        admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: SQLite file and local PostgreSQL (fresh schema)."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
        migrate(eng)
        yield eng
        eng.dispose()
    else:
        pg_schema = request.getfixturevalue("pg_schema")
        eng = _fresh_pg(pg_schema)
        migrate(eng)
        yield eng
        drop_pg_schema(eng)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def server() -> Iterator[FakePlatformServer]:
    """A fake of every platform API, over real HTTP on loopback (connectors/fakes)."""
    srv = FakePlatformServer().start()
    try:
        yield srv
    finally:
        srv.stop()
