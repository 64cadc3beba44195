"""Migrations and models agree, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import monitor.models  # noqa: F401


def test_migrated_schema_matches_the_models(engine) -> None:  # type: ignore[no-untyped-def]
    """`safeguard init` builds exactly the tables and columns the code uses."""
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}),
                                SQLModel.metadata)
    assert diff == []
