"""Test helpers: a small organisation, users of every role, and cases built on demand.

Every ``make_case`` call creates a new item and case with unique ids, so tests sharing one
database (the PostgreSQL schema, the module-wide SQLite file) never see each other's
changes.
"""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from monitor.config import Config, parse_config
from monitor.db import session_scope
from monitor.models import Account, Alert, Case, Finding, Item, Location, User
from monitor.store import content_hash

PASSWORD = "correct horse battery staple"
_HASH: dict[str, str] = {}
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
_seq = itertools.count(1)

ROLES = {
    "admin": ("admin", []),
    "dsl": ("dsl", []),
    "deputy": ("deputy_dsl", []),
    "manager": ("setting_manager", ["loc1"]),
    "viewer": ("viewer", []),
}


def config() -> Config:
    return parse_config({
        "organisation": "Little Acorns",
        "people": [{"id": "dsl", "name": "Dee Ess", "email": "dsl@example.org"},
                   {"id": "sm1", "name": "Sam Manager", "email": "sm1@example.org"}],
        "dsl": "dsl",
        "locations": [{"id": "loc1", "name": "Oak Street", "setting_managers": ["sm1"]},
                      {"id": "loc2", "name": "Elm Road"}],
        "accounts": [{"id": "fb1", "platform": "facebook", "external_id": "p1", "location": "loc1"},
                     {"id": "fb2", "platform": "facebook", "external_id": "p2", "location": "loc2"}],
        "retention": {"text_days": 30},
    })


def password_hash() -> str:
    """One argon2id hash of PASSWORD with light parameters (they travel inside the hash), so
    the hundreds of sign-ins in these tests stay cheap on a shared CI machine; production
    hashing (``security.hash_password``) is exercised by the CLI tests."""
    if "h" not in _HASH:
        _HASH["h"] = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    return _HASH["h"]


def seed_org(engine: Engine, prefix: str = "") -> dict[str, int]:
    """Locations, accounts and one user per role (usernames get ``prefix``)."""
    ids: dict[str, int] = {}
    with session_scope(engine) as s:
        for lid, name in (("loc1", "Oak Street"), ("loc2", "Elm Road")):
            if s.get(Location, lid) is None:
                s.add(Location(id=lid, name=name))
        s.flush()
        for aid, ext, loc in (("fb1", "p1", "loc1"), ("fb2", "p2", "loc2")):
            if s.get(Account, aid) is None:
                s.add(Account(id=aid, platform="facebook", external_id=ext, location_id=loc, health="ok"))
        for key, (role, locs) in ROLES.items():
            name = prefix + key
            u = s.exec(select(User).where(User.username == name)).first()
            if u is None:
                u = User(username=name, display_name=key.title(), role=role, locations=locs,
                         password_hash=password_hash())
                s.add(u)
                s.flush()
            ids[key] = u.id  # type: ignore[assignment]
    return ids


def make_item(s: Session, *, account: str = "fb1", text: str = "hello", kind: str = "comment",
              parent: str | None = None, author: str = "Jo Public", handle: str | None = "jopublic",
              created: datetime | None = None, fetched: datetime | None = None,
              permalink: str | None = None, owner: bool = False) -> Item:
    ext = f"x{next(_seq)}-{uuid.uuid4().hex[:8]}"
    item = Item(platform="facebook", external_id=ext, account_id=account, kind=kind,
                parent_external_id=parent, author_name=author, author_handle=handle,
                author_is_owner=owner, text=text, permalink=permalink,
                created_at=created or T0, fetched_at=fetched or T0,
                content_hash=content_hash(text, []), state="done")
    s.add(item)
    s.flush()
    from monitor.models import ItemVersion

    s.add(ItemVersion(item_id=item.id, version=1, text=text, content_hash=item.content_hash, seen_at=T0))  # type: ignore[arg-type]
    return item


def make_case(engine: Engine, *, categories: list[str], location: str = "loc1",
              severity: str = "medium", text: str = "You are all useless, Mrs Smith",
              spans: list[dict[str, Any]] | None = None, status: str = "new",
              opened: datetime | None = None, alerts: int = 1, **item_kw: Any) -> int:
    account = "fb1" if location == "loc1" else "fb2"
    with session_scope(engine) as s:
        item = make_item(s, account=account, text=text, **item_kw)
        case = Case(item_id=item.id, item_version=1, account_id=account, location_id=location,  # type: ignore[arg-type]
                    platform="facebook", severity=severity, categories=categories, status=status,
                    opened_at=opened or T0, updated_at=opened or T0)
        s.add(case)
        s.flush()
        for cat in categories:
            s.add(Finding(item_id=item.id, item_version=1, classifier="kw", model_version="kw-1.0",  # type: ignore[arg-type]
                          category=cat, label=cat, score=0.91,
                          spans=spans if spans is not None else [{"start": 0, "end": min(3, len(text)), "type": "insult"}]))
        for n in range(alerts):
            s.add(Alert(case_id=case.id, recipient="dsl", channel="email", severity=severity,  # type: ignore[arg-type]
                        idempotency_key=f"k-{uuid.uuid4().hex}-{n}", status="sent",
                        escalate_at=T0 + timedelta(minutes=30)))
        return case.id  # type: ignore[return-value]


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the JSON API; returns the CSRF token for later posts."""
    r = client.post("/api/session", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["csrf_token"]


def form_csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF field in the page"
    return m.group(1)
