"""Fixtures for the review page: a migrated database (SQLite, or PostgreSQL in a schema of
its own), the app on a frozen clock, and signed-in clients per role."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from monitor.clock import FrozenClock
from monitor.db import make_engine, migrate
from monitor.web import create_app
from tests.web import factories

PG_URL = os.environ.get("SAFEGUARD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; tests copy it instead of migrating again (fast)."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


def _copy_sqlite(template: Path, dest: Path) -> Engine:
    shutil.copy(template, dest)
    return make_engine(f"sqlite:///{dest}")


@pytest.fixture
def engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A fresh SQLite database for one test (for tests that tamper with or count rows)."""
    eng = _copy_sqlite(sqlite_template, tmp_path / "test.db")
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    """A unique schema in the shared PostgreSQL ``test`` database, dropped afterwards."""
    schema = f"web_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as err:  # noqa: BLE001
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {type(err).__name__}")
    eng = make_engine(f"{PG_URL}?options=-csearch_path%3D{schema}")
    try:
        migrate(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_engine(request: pytest.FixtureRequest, sqlite_template: Path,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A database shared by a module's tests, on SQLite and on PostgreSQL."""
    if request.param == "postgres":
        yield request.getfixturevalue("pg_engine")
        return
    eng = _copy_sqlite(sqlite_template, tmp_path_factory.mktemp("shared") / "shared.db")
    yield eng
    eng.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(factories.T0)


def build_app(engine: Engine, clock: FrozenClock, **kw):  # type: ignore[no-untyped-def]
    return create_app(engine, factories.config(), clock=clock, session_secret="test-secret", **kw)


@pytest.fixture
def app(engine: Engine, clock: FrozenClock):  # type: ignore[no-untyped-def]
    factories.seed_org(engine)
    return build_app(engine, clock)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def as_role(app):  # type: ignore[no-untyped-def]
    """``as_role("dsl")`` → (client signed in as that role, its CSRF token)."""
    clients: list[TestClient] = []

    def make(role: str) -> tuple[TestClient, str]:
        c = TestClient(app, base_url="http://testserver")
        clients.append(c)
        return c, factories.login(c, role)

    yield make
    for c in clients:
        c.close()
