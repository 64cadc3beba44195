"""Several real daemon processes on one PostgreSQL schema: for the replica test and bench.

Why real processes (``python -m monitor.cli run``) and not threads? The claims that make
replicas safe — row locks, leases, the dead-holder rule — are per process and per
connection; threads in one process would share a worker id and prove nothing.

A ``Cluster`` owns a throw-away schema (``options=-csearch_path=<schema>``), a config
with static JSONL accounts and a mailbox, and the daemon processes; ``close()`` stops
them and drops the schema.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

PG_BASE = os.environ.get("SAFEGUARD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FLAGGED_TEXT = "you are a useless idiot"


def write_items(path: Path, *, account: str, start: int, count: int, flag_every: int) -> int:
    """Append ``count`` comments to a static account's JSONL file; returns how many flagged."""
    flagged = 0
    with path.open("a", encoding="utf-8") as fh:
        for i in range(start, start + count):
            bad = i % flag_every == 0
            flagged += bad
            body = FLAGGED_TEXT if bad else "thanks for a lovely week at club"
            fh.write(json.dumps({"id": f"{account}-{i}", "kind": "comment",
                                 "text": f"comment {i}: {body}"}) + "\n")
    return flagged


@dataclass
class Cluster:
    workdir: Path
    accounts: int = 4
    pg_base: str = PG_BASE
    poll_interval: int = 5
    schema: str = field(default_factory=lambda: f"rep_{uuid.uuid4().hex[:10]}")
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    flagged: int = 0
    items: int = 0
    _next: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"{self.pg_base}?options=-csearch_path%3D{self.schema}"

    @property
    def account_ids(self) -> list[str]:
        return [f"acc{i}" for i in range(self.accounts)]

    def env(self, **extra: str) -> dict[str, str]:
        env = {**os.environ, "SAFEGUARD_CONFIG": str(self.workdir / "config.yaml"),
               "SAFEGUARD_DATABASE_URL": self.url, "SAFEGUARD_LOG_LEVEL": "INFO"}
        if not env.get("SAFEGUARD_SECRET_KEY"):
            env["SAFEGUARD_SECRET_KEY_FILE"] = str(self.workdir / "secret.key")
        env.update(extra)
        return env

    def setup(self, extra_config: dict[str, Any] | None = None) -> None:
        """Create the schema, write the config, run ``safeguard init``."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        admin = create_engine(self.pg_base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        admin.dispose()
        cfg: dict[str, Any] = {
            "people": [{"id": "sm", "name": "Sam Manager", "email": "sam@example.org"},
                       {"id": "dsl", "name": "Dana DSL", "email": "dsl@example.org"}],
            "dsl": "dsl",
            "locations": [{"id": "oak", "name": "Oakfield", "setting_managers": ["sm"]}],
            "accounts": [{"id": a, "platform": "static", "external_id": a, "location": "oak",
                          "poll_interval": self.poll_interval,
                          "options": {"path": str(self.workdir / f"{a}.jsonl")}}
                         for a in self.account_ids],
            "classifiers": ["keyword"],
            "alerts": {"mailbox_file": str(self.workdir / "alerts.mbox")},
        }
        cfg.update(extra_config or {})
        for a in self.account_ids:
            (self.workdir / f"{a}.jsonl").touch()
        (self.workdir / "config.yaml").write_text(yaml.safe_dump(cfg))
        subprocess.run([sys.executable, "-m", "monitor.cli", "init"], env=self.env(), check=True,
                       capture_output=True)

    def add_items(self, per_account: int, *, flag_every: int = 40) -> None:
        for a in self.account_ids:
            start = self._next.get(a, 0)
            self.flagged += write_items(self.workdir / f"{a}.jsonl", account=a, start=start,
                                        count=per_account, flag_every=flag_every)
            self._next[a] = start + per_account
            self.items += per_account

    def start(self, n: int = 1, **env: str) -> list[subprocess.Popen[bytes]]:
        started = []
        for _ in range(n):
            log = (self.workdir / f"daemon-{len(self.procs)}.log").open("ab")
            p = subprocess.Popen([sys.executable, "-m", "monitor.cli", "run"], env=self.env(**env),
                                 stdout=log, stderr=subprocess.STDOUT)
            self.procs.append(p)
            started.append(p)
        return started

    def engine(self) -> Engine:
        from monitor.db import make_engine

        return make_engine(self.url)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.workdir.glob("daemon-*.log")))

    def stop(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if proc.poll() is None:
            proc.send_signal(sig)
        return proc.wait(timeout)

    def close(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)
        admin = create_engine(self.pg_base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
        admin.dispose()


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size of a live process (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_for(cond: Callable[[], bool], timeout: float, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(interval)
    return cond()
