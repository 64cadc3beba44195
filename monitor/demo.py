"""``safeguard demo``: the whole monitor on a laptop, with nothing to set up.

A simulated platform (the faithful fakes, real HTTP on loopback) holds two clubs' pages
and an Instagram account with a realistic mix of posts and comments. The daemon polls it
on SQLite, classifies, opens cases, writes the alerts to a local mailbox file, prints
them, and serves the review page until Ctrl-C (or stops after one cycle with ``--once``).
"""

from __future__ import annotations

import os
import secrets
import signal
import threading
import time
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import col, select

from monitor.accounts import sync_from_config
from monitor.config import parse_config
from monitor.daemon import Daemon
from monitor.db import make_engine, migrate, session_scope
from monitor.models import Alert, Case, Item
from monitor.runtime import Runtime
from monitor.sync import PollOutcome
from monitor.types import AlertStatus, ItemState

DEMO_PEOPLE = [
    {"id": "dana", "name": "Dana Price (DSL)", "email": "dsl@sunflower.example.org"},
    {"id": "dev", "name": "Dev Patel (deputy DSL)", "email": "deputy@sunflower.example.org"},
    {"id": "olivia", "name": "Olivia Hart (Oakfield manager)", "email": "oakfield@sunflower.example.org"},
    {"id": "ben", "name": "Ben Cole (Brookside manager)", "email": "brookside@sunflower.example.org"},
    {"id": "ada", "name": "Ada Admin", "email": "admin@sunflower.example.org"},
]
DEMO_USERS = [("dsl", "dsl", [], "dana"), ("oakfield", "setting_manager", ["oakfield"], "olivia"),
              ("admin", "admin", [], "ada")]


def demo_config(server_url_accounts: list[dict[str, Any]], *, mailbox: Path, port: int,
                classifiers: list[str] | None = None, media_origin: str | None = None) -> dict[str, Any]:
    return {
        "organisation": "Sunflower Wrap Around Care",
        "review_url": f"http://127.0.0.1:{port or 8000}",
        "people": DEMO_PEOPLE,
        "dsl": "dana", "deputy_dsl": "dev", "admins": ["ada"],
        "locations": [
            {"id": "oakfield", "name": "Oakfield After School Club", "setting_managers": ["olivia"],
             "schools": ["Oakfield Primary", "St Mary's C of E Primary"],
             "uniforms": ["green jumper with the oak tree badge"], "places": ["Oakfield Rec"]},
            {"id": "brookside", "name": "Brookside After School Club", "setting_managers": ["ben"],
             "schools": ["Brookside Primary"], "uniforms": ["navy cardigan"],
             "places": ["Brookside Park"]},
        ],
        "accounts": server_url_accounts,
        "classifiers": classifiers or ["default", "images"],
        "alerts": {"mailbox_file": str(mailbox), "escalation_minutes": 30},
        # the fake server serves the posts' photos on loopback: the one origin allowed
        **({"images": {"allow_origins": [media_origin]}} if media_origin else {}),
    }


def _say(msg: str) -> None:
    print(msg, flush=True)


def _summary(rt: Runtime) -> list[str]:
    lines = []
    with session_scope(rt.engine) as s:
        for case in s.exec(select(Case).order_by(col(Case.id))):
            item = s.get(Item, case.item_id)
            who = sorted({f"{a.recipient}" for a in s.exec(select(Alert).where(Alert.case_id == case.id))})
            text = " ".join((item.text or "").split()) if item else ""
            lines.append(f"  #{case.id:<3} {case.severity:<8} {', '.join(case.categories):<34} "
                         f"{case.location_id or '-':<10} → {', '.join(who)}\n"
                         f"       “{text[:110]}{'…' if len(text) > 110 else ''}”")
    return lines


def _idle(rt: Runtime) -> bool:
    with session_scope(rt.engine) as s:
        pending = s.exec(select(Item.id).where(Item.state == ItemState.PENDING.value).limit(1)).first()
        unsent = s.exec(select(Alert.id).where(col(Alert.status).in_(
            [AlertStatus.PENDING.value, AlertStatus.SENDING.value])).limit(1)).first()
    return pending is None and unsent is None


def run_demo(directory: Path, *, port: int = 8000, once: bool = False,
             classifiers: list[str] | None = None) -> int:
    from connectors.fakes.demo_data import demo_accounts, load_demo
    from connectors.fakes.server import FakePlatformServer

    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SAFEGUARD_SECRET_KEY_FILE", str(directory / ".safeguard.key"))
    for var in ("SAFEGUARD_DEMO_TOKEN", "SAFEGUARD_DEMO_APP_SECRET", "SAFEGUARD_DEMO_VERIFY_TOKEN"):
        os.environ.setdefault(var, secrets.token_urlsafe(24))
    db_path = directory / "demo.db"
    for stale in (db_path, directory / "demo.db-wal", directory / "demo.db-shm", directory / "alerts.mbox"):
        stale.unlink(missing_ok=True)

    server = FakePlatformServer().start()
    data = load_demo(server)
    _say(f"simulated platforms on {server.url}: {len(data.posts)} posts, {len(data.comments)} comments")
    raw = demo_config(demo_accounts(server), mailbox=directory / "alerts.mbox", port=port,
                      classifiers=classifiers, media_origin=server.url)
    (directory / "config.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    rt = Runtime(config=parse_config(raw, source="demo"), engine=make_engine(f"sqlite:///{db_path}"))
    migrate(rt.engine)
    with session_scope(rt.engine) as s:
        sync_from_config(s, rt.config)
    _say(f"database: {db_path}")
    _say("loading classifiers…")
    t0 = time.monotonic()
    _ = rt.classifiers
    _say(f"classifiers ready in {time.monotonic() - t0:.1f} s: "
         + ", ".join(f"{c.name} {c.version}" for c in rt.classifiers))

    polled: set[str] = set()

    def on_poll(o: PollOutcome) -> None:
        if o.account not in polled:
            polled.add(o.account)
            _say(f"polled {o.account}: {o.status}, {o.new} new items in {o.batches} batches"
                 + (f" ({o.detail})" if o.detail and o.status != "ok" else ""))

    web_note = ""
    if port:
        web_note = _serve_web(rt, port)
    daemon = Daemon(rt, process_interval=1.0, deliver_interval=1.0, on_poll=on_poll)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    daemon.start()
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not stop.is_set():
            if len(polled) >= len(rt.config.accounts) and _idle(rt):
                break
            time.sleep(0.5)
        _say("\ncases opened and who was told:")
        for line in _summary(rt):
            _say(line)
        _say(f"\nalerts written to the mailbox {directory / 'alerts.mbox'}")
        if web_note:
            _say(web_note)
        if once:
            return 0
        _say("the daemon keeps polling; press Ctrl-C to stop")
        while not stop.wait(1.0):
            pass
        return 0
    finally:
        daemon.stop()
        server.stop()


def _serve_web(rt: Runtime, port: int) -> str:
    from monitor import audit
    from monitor.models import User
    from monitor.web.security import hash_password
    from monitor.webserve import serve_in_thread

    creds = []
    with session_scope(rt.engine) as s:
        for username, role, locations, person in DEMO_USERS:
            password = secrets.token_urlsafe(12)
            user = User(username=username, display_name=username, role=role, locations=locations,
                        person_id=person, password_hash=hash_password(password))
            s.add(user)
            s.flush()
            audit.append(s, actor="demo", action="user.created", subject_type="user",
                         subject_id=str(user.id), detail={"username": username, "role": role})
            creds.append(f"{username} / {password}")
    serve_in_thread(rt, port=port)
    return (f"review page: http://127.0.0.1:{port}  — log in as " + "; ".join(creds))
