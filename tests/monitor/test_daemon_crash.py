"""The daemon as a real process: SIGKILL in the middle of a large ingest loses nothing.

The process is killed while batches are being stored and classified, then restarted; at
the end every item is stored once and processed once, and no case or alert is doubled.
"""

from __future__ import annotations

import json
import mailbox
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, func
from sqlmodel import select

from monitor.db import make_engine, session_scope
from monitor.models import Alert, Case, Item
from monitor.types import AlertStatus, ItemState
from tests.conftest import PG_BASE, drop_pg_schema, pg_url

N_ITEMS = 12_000
FLAG_EVERY = 40  # one bullying comment in forty


def _write_items(path: Path) -> int:
    flagged = 0
    with path.open("w") as fh:
        for i in range(N_ITEMS):
            bad = i % FLAG_EVERY == 0
            flagged += bad
            text = f"comment {i}: you are a useless idiot" if bad else f"comment {i}: lovely club"
            fh.write(json.dumps({"id": f"c{i}", "kind": "comment", "text": text}) + "\n")
    return flagged


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "monitor.cli", "run"], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def _counts(engine) -> tuple[int, int, int, int, int]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        items = s.exec(select(func.count()).select_from(Item)).one()
        done = s.exec(select(func.count()).select_from(Item).where(Item.state == ItemState.DONE.value)).one()
        cases = s.exec(select(func.count()).select_from(Case)).one()
        alerts = s.exec(select(func.count()).select_from(Alert)).one()
        sent = s.exec(select(func.count()).select_from(Alert).where(Alert.status == AlertStatus.SENT.value)).one()
    return items, done, cases, alerts, sent


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_sigkill_mid_ingest_then_restart_processes_every_item_exactly_once(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Kill -9 during ingest; after a restart: N items, N processed, one case and alert each."""
    data = tmp_path / "items.jsonl"
    flagged = _write_items(data)
    mbox = tmp_path / "alerts.mbox"
    cfg = {
        "people": [{"id": "sm", "name": "Sam Manager", "email": "sam@example.org"},
                   {"id": "dsl", "name": "Dana DSL", "email": "dsl@example.org"}],
        "dsl": "dsl",
        "locations": [{"id": "oak", "name": "Oakfield", "setting_managers": ["sm"]}],
        "accounts": [{"id": "bulk", "platform": "static", "external_id": "bulk", "location": "oak",
                      "poll_interval": 5, "options": {"path": str(data)}}],
        "classifiers": ["keyword"],
        "alerts": {"mailbox_file": str(mbox)},
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg))
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'monitor.db'}"
    else:
        from tests.conftest import _fresh_pg

        url = str(_fresh_pg(request.getfixturevalue("pg_schema")).url.render_as_string(hide_password=False))
    env = {**os.environ, "SAFEGUARD_CONFIG": str(tmp_path / "config.yaml"),
           "SAFEGUARD_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "monitor.cli", "init"], env=env, check=True,
                   capture_output=True)
    engine = make_engine(url)
    # Counting must not need the write lock: on SQLite the frozen daemon may hold it (its
    # engine begins IMMEDIATE), and a WAL reader is never blocked by a writer.
    reader = create_engine(url) if backend == "sqlite" else engine
    log = tmp_path / "daemon.log"
    try:
        proc = _start(env, log)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            items, done, *_ = _counts(reader)
            if items >= N_ITEMS // 4:
                break
            time.sleep(0.05)
        # Freeze the daemon at once, then count: the figure is exactly what the kill interrupts
        # (counting first let a busy machine's daemon finish the file in between).
        proc.send_signal(signal.SIGSTOP)
        items_at_kill, done_at_kill, *_ = _counts(reader)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert 0 < items_at_kill < N_ITEMS, f"kill did not land mid-ingest ({items_at_kill})"

        proc = _start(env, log)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            items, done, cases, alerts, sent = _counts(reader)
            if done == N_ITEMS and sent == alerts == flagged:
                break
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0, log.read_text()[-3000:]

        items, done, cases, alerts, sent = _counts(reader)
        assert (items, done) == (N_ITEMS, N_ITEMS), log.read_text()[-3000:]
        assert cases == flagged and alerts == flagged and sent == flagged
        ids = [m["Message-ID"] for m in mailbox.mbox(mbox)]
        assert len(ids) == flagged == len(set(ids))
    finally:
        if backend == "postgresql":
            drop_pg_schema(engine)
        else:
            reader.dispose()
            engine.dispose()
