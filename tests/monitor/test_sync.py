"""Polling accounts against the fake platforms: back-off, tokens, malformed answers.

These drive the real daemon code (``monitor.sync.poll_account``) and the real Facebook
connector over HTTP against the faithful fake on loopback.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func
from sqlmodel import select

from connectors.fakes.server import FakePlatformServer
from monitor.clock import utcnow
from monitor.config import parse_config
from monitor.db import session_scope
from monitor.models import Account, Alert, AuditEvent, Item, SyncState
from monitor.runtime import Runtime
from monitor.store import cursors
from monitor.sync import LEASE_STREAM, poll_account

PAGES = {"oak-fb": "101", "brook-fb": "202"}


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePlatformServer]:
    server = FakePlatformServer().start()
    for acc, page in PAGES.items():
        server.world.add_account("facebook", page, name=f"Club {page}")
        post = server.world.add_post("facebook", page, f"Welcome to club {page}")
        for i in range(3):
            server.world.add_comment(post.id, f"comment {i} on {page}", author_name="Parent")
    monkeypatch.setenv("OAK_TOKEN", "token-oak-1")
    monkeypatch.setenv("BROOK_TOKEN", "token-brook-1")
    yield server
    server.stop()


@pytest.fixture
def rt(world: FakePlatformServer, engine, tmp_path) -> Runtime:  # type: ignore[no-untyped-def]
    cfg = parse_config({
        "people": [{"id": "ada", "name": "Ada Admin", "email": "ada@example.org"}],
        "admins": ["ada"],
        "locations": [{"id": "oak", "name": "Oakfield"}, {"id": "brook", "name": "Brookside"}],
        "accounts": [
            {"id": "oak-fb", "platform": "facebook", "external_id": "101", "location": "oak",
             "token_env": "OAK_TOKEN", "base_url": world.base_url("facebook")},
            {"id": "brook-fb", "platform": "facebook", "external_id": "202", "location": "brook",
             "token_env": "BROOK_TOKEN", "base_url": world.base_url("facebook")},
        ],
        "classifiers": ["keyword"],
        "alerts": {"mailbox_file": str(tmp_path / "m.mbox")},
    })
    from monitor.accounts import sync_from_config

    with session_scope(engine) as s:
        sync_from_config(s, cfg)
    return Runtime(config=cfg, engine=engine)


def _items(rt: Runtime, account: str) -> int:
    with session_scope(rt.engine) as s:
        return s.exec(select(func.count()).select_from(Item).where(Item.account_id == account)).one()


def _lease_row(rt: Runtime, account: str) -> SyncState:
    with session_scope(rt.engine) as s:
        return s.exec(select(SyncState).where(SyncState.account_id == account,
                                              SyncState.stream == LEASE_STREAM)).one()


def test_a_rate_limited_account_backs_off_while_the_others_keep_running(rt, world) -> None:  # type: ignore[no-untyped-def]
    """Graph error 32 on one Page: that account waits, the other is polled as usual."""
    world.fail("facebook", "rate_limit", code=32, match="/101/", times=None)
    oak = poll_account(rt, rt.config.account("oak-fb"))
    brook = poll_account(rt, rt.config.account("brook-fb"))
    assert oak.status == "rate_limited" and brook.status == "ok"
    assert _items(rt, "oak-fb") == 0 and _items(rt, "brook-fb") == 4
    row = _lease_row(rt, "oak-fb")
    assert row.backoff_until is not None and row.backoff_until > utcnow()
    assert poll_account(rt, rt.config.account("oak-fb")).status == "backoff"  # not hammered
    world.clear_failures()
    assert poll_account(rt, rt.config.account("oak-fb"), force=True).status == "ok"
    assert _items(rt, "oak-fb") == 4


def test_an_expired_token_tells_the_admin_once_and_resumes_with_a_new_one(rt, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Error 190: unhealthy, one admin notice however many polls, back by itself on a new token."""
    world.world.tokens["facebook"] = {"token-brook-1"}  # oak's token is now revoked
    acc = rt.config.account("oak-fb")
    outcomes = [poll_account(rt, acc, force=True).status for _ in range(3)]
    assert outcomes == ["unhealthy"] * 3
    with session_scope(rt.engine) as s:
        assert s.get(Account, "oak-fb").health == "unhealthy"
        notices = s.exec(select(Alert).where(Alert.reason == "admin")).all()
        rejected = s.exec(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "account.credentials_rejected")).one()
    assert len(notices) == 1 and notices[0].recipient == "ada" and rejected == 1
    assert "token-oak-1" not in (notices[0].note or "")
    monkeypatch.setenv("OAK_TOKEN", "token-oak-2")
    world.world.tokens["facebook"] = {"token-brook-1", "token-oak-2"}
    assert poll_account(rt, acc, force=True).status == "ok"
    with session_scope(rt.engine) as s:
        assert s.get(Account, "oak-fb").health == "ok"
    assert _items(rt, "oak-fb") == 4


def test_a_truncated_answer_keeps_the_cursor_and_loses_nothing(rt, world) -> None:  # type: ignore[no-untyped-def]
    """Malformed JSON mid-sync: stored items stay, the cursor does not move past them."""
    acc = rt.config.account("oak-fb")
    assert poll_account(rt, acc).status == "ok"
    with session_scope(rt.engine) as s:
        before = cursors(s, "oak-fb")
    post = world.world.posts_of("facebook", "101")[0]
    world.world.add_comment(post.id, "a late comment", author_name="Parent")
    world.fail("facebook", "truncated", times=None)
    out = poll_account(rt, acc, force=True)
    assert out.status == "error" and "oak-fb" in out.detail
    with session_scope(rt.engine) as s:
        assert cursors(s, "oak-fb") == before
    assert _items(rt, "oak-fb") == 4
    world.clear_failures()
    assert poll_account(rt, acc, force=True).status == "ok"
    assert _items(rt, "oak-fb") == 5


def test_a_second_poll_of_unchanged_pages_stores_nothing_new(rt) -> None:  # type: ignore[no-untyped-def]
    """Incremental polling: the second poll returns nothing new."""
    acc = rt.config.account("brook-fb")
    first = poll_account(rt, acc)
    second = poll_account(rt, acc)
    assert (first.new, second.new, second.edited) == (4, 0, 0)
