"""Fixtures for the records tests: an organisation whose cases come from the real pipeline,
users of every role, and a signing key and media folder of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.config import Config
from monitor.db import make_engine, migrate, session_scope
from monitor.models import Case, Item, User
from tests.helpers import ingest, item, org_config, process, setup_org

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
ROLES = {"dsl": ("dsl", []), "deputy": ("deputy_dsl", []), "admin": ("admin", []),
         "manager": ("setting_manager", ["oakfield"]), "other_manager": ("setting_manager", ["elm"]),
         "viewer": ("viewer", [])}


def records_config(tmp_path: Path, **records: Any) -> Config:
    return org_config(
        tmp_path,
        locations=[{"id": "oakfield", "name": "Oakfield Club", "setting_managers": ["sm-oak"]},
                   {"id": "elm", "name": "Elm Road Club"}],
        records={"signing_key_file": str(tmp_path / "evidence.key"),
                 "media_dir": str(tmp_path / "media"), **records})


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied per test (migrating costs about a second)."""
    path = tmp_path_factory.mktemp("records-db") / "template.db"
    eng = make_engine(f"sqlite:///{path}")
    migrate(eng)
    eng.dispose()
    return path


@pytest.fixture
def db(_template: Path, tmp_path: Path) -> Iterator[Engine]:
    import shutil

    shutil.copy(_template, tmp_path / "records.db")
    eng = make_engine(f"sqlite:///{tmp_path / 'records.db'}")
    yield eng
    eng.dispose()


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    (tmp_path / "media").mkdir(exist_ok=True)
    return records_config(tmp_path)


def add_users(engine: Engine) -> dict[str, User]:
    out: dict[str, User] = {}
    with session_scope(engine) as s:
        for name, (role, locs) in ROLES.items():
            u = s.exec(select(User).where(User.username == name)).first()
            if u is None:
                u = User(username=name, display_name=name.title(), role=role, locations=locs,
                         password_hash="x")
                s.add(u)
                s.flush()
            out[name] = u
    return out


def pipeline_case(engine: Engine, config: Config, ext: str, text: str) -> Case:
    """Ingest one comment and run the real pipeline over it; return the case it opened."""
    setup_org(engine, config)
    ingest(engine, [item(ext, text)])
    process(engine, config)
    with session_scope(engine) as s:
        it = s.exec(select(Item).where(Item.external_id == ext)).one()
        return s.exec(select(Case).where(Case.item_id == it.id)).one()
