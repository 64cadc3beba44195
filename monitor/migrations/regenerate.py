"""Regenerate the initial migration from the models (only while nothing is released).

    python -m monitor.migrations.regenerate

Why? Until the first release several people add tables at once; one initial revision
generated from ``SQLModel.metadata`` avoids a tangle of revisions. After the first
release, write ordinary ``alembic revision --autogenerate`` migrations instead.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from monitor.db import MIGRATIONS, alembic_config, make_engine


def main() -> None:
    versions = MIGRATIONS / "versions"
    for old in versions.glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'empty.db'}")
        command.revision(alembic_config(engine), message="initial schema", autogenerate=True,
                         rev_id="0001", )
    for new in versions.glob("0001_*.py"):
        new.rename(versions / "0001_initial_schema.py")


if __name__ == "__main__":
    main()
