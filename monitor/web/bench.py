"""Synthetic data for ``safeguard bench web-queue`` (timing the queue at realistic sizes)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy.engine import Engine

from monitor.clock import utcnow
from monitor.db import session_scope
from monitor.models import Account, Case, Finding, Item, Location, User
from monitor.types import Category, Severity
from monitor.web.security import hash_password


def seed_bench(engine: Engine, n: int, *, seed: int = 7) -> None:
    rnd = random.Random(seed)
    now = utcnow()
    with session_scope(engine) as s:
        s.add(Location(id="loc1", name="Bench"))
        s.flush()
        s.add(Account(id="fb", platform="facebook", external_id="page", location_id="loc1"))
        s.add(User(username="bench", role="dsl", password_hash=hash_password("bench-password-123")))
        s.flush()
        for i in range(n):
            text = f"bench comment {i} " + "lorem ipsum " * rnd.randint(1, 40)
            item = Item(platform="facebook", external_id=f"c{i}", account_id="fb", kind="comment",
                        parent_external_id="post", text=text, content_hash=f"{i:064x}",
                        created_at=now - timedelta(minutes=i), state="done")
            s.add(item)
            s.flush()
            cat = rnd.choice(list(Category))
            s.add(Case(item_id=item.id, item_version=1, account_id="fb", location_id="loc1",  # type: ignore[arg-type]
                       platform="facebook", severity=rnd.choice(list(Severity)).value,
                       categories=[cat.value], opened_at=now - timedelta(minutes=i)))
            s.add(Finding(item_id=item.id, item_version=1, classifier="bench", model_version="1",  # type: ignore[arg-type]
                          category=cat.value, score=0.9, spans=[{"start": 0, "end": 5, "type": "insult"}]))
