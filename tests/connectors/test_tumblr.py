"""Tumblr (read-only): replies on the blog's own posts are read through the notes endpoint."""

from __future__ import annotations

import time

import pytest

from connectors.base import Action
from monitor.errors import CredentialsRejected, RateLimited
from monitor.types import ItemKind

from .conftest import connect, drain

BLOG = "sunflowerclubs"


@pytest.fixture
def blog(server):
    server.world.add_account("tumblr", BLOG, name="Sunflower Clubs", handle=BLOG)
    return server.world


def test_replies_are_read_and_only_changed_posts_are_asked_again(server, blog, http):
    """Notes are paged by before_timestamp; a second poll reads notes only where note_count moved."""
    start = time.time() - 10_000
    posts = [blog.add_post("tumblr", BLOG, f"post {i}", created=start + i) for i in range(3)]
    for k in range(70):
        blog.add_comment(posts[0].id, f"reply {k}", author_handle=f"fan{k}", created=start + 100 + k)
    blog.add_comment(posts[1].id, "lovely", author_handle=BLOG, created=start + 500)
    conn = connect(server, "tumblr", BLOG, http)
    items, cursors, _ = drain(conn)
    assert sum(i.kind is ItemKind.POST for i in items) == 3
    replies = [i for i in items if i.kind is ItemKind.COMMENT]
    assert len(replies) == 71 and len({r.external_id for r in replies}) == 71
    assert [r.author_is_owner for r in replies if r.text == "lovely"] == [True]
    before = server.calls("tumblr")
    new = blog.add_comment(posts[2].id, "new reply", author_handle="someone", created=time.time() - 1)
    got, _, _ = drain(conn, cursors)
    assert [(i.text, i.parent_external_id) for i in got] == [(new.text, posts[2].id)]
    assert server.calls("tumblr") - before == 2


def test_tumblr_offers_no_take_downs(server, blog, http):
    """Tumblr's API cannot hide or delete others' replies: the connector says so instead of pretending."""
    conn = connect(server, "tumblr", BLOG, http)
    assert conn.actions == frozenset()
    assert not conn.act("x:y:1", Action.DELETE).ok


def test_tumblr_errors(server, blog, http):
    """429 Limit Exceeded honours Retry-After; 401 stops the account."""
    server.fail("tumblr", "rate_limit", retry_after=45)
    with pytest.raises(RateLimited) as exc:
        drain(connect(server, "tumblr", BLOG, http))
    assert exc.value.retry_after == 45
    server.world.tokens["tumblr"] = {"other"}
    with pytest.raises(CredentialsRejected):
        drain(connect(server, "tumblr", BLOG, http))
