"""TikTok: the documented comment sample parses; comments, replies and hiding on the fake."""

from __future__ import annotations

import time

import pytest

from connectors.base import Action
from connectors.tiktok.connector import comment_item
from monitor.errors import CredentialsRejected, RateLimited, SourceUnavailable
from monitor.types import ItemKind

from .conftest import PLATFORM_FIXTURES, connect, drain

BUSINESS = "-000AbCdEfGhIjKlMnOp"


def test_documented_comment_sample_parses_big_integer_ids_exactly():
    """TikTok's sample has ids beyond 2**53; they survive as exact strings (JSON ints, not floats)."""
    import json
    sample = json.loads((PLATFORM_FIXTURES / "tiktok" / "research_api_video_comment_list_docs_sample.json").read_text())
    [item] = [comment_item(c) for c in sample["data"]["comments"]]
    assert item.external_id == "1234563451201523412_12345616934634134"
    assert item.kind is ItemKind.REPLY and item.parent_external_id == "1234563451201523412_1234561201524010"
    assert item.text == "AWEEEEEE 🥰🥰🥰" and item.created_at.year == 2022


@pytest.fixture
def account(server):
    server.world.add_account("tiktok", BUSINESS, name="Sunflower Clubs", handle="sunflowerclubs")
    return server.world


def test_comments_and_replies_on_own_videos(server, account, http):
    """Comments page through cursor/has_more; replies are listed for comments that have them."""
    v = account.add_post("tiktok", BUSINESS, "Craft week!", created=time.time() - 5000)
    tops = [account.add_comment(v.id, f"c{k}", created=v.created + k) for k in range(45)]
    r = account.add_comment(v.id, "reply", parent_id=tops[3].id, created=v.created + 100)
    own = account.add_comment(v.id, "thanks", parent_id=tops[3].id, author_id=BUSINESS, created=v.created + 101)
    conn = connect(server, "tiktok", BUSINESS, http)
    items, cursors, _ = drain(conn)
    by_id = {i.external_id: i for i in items}
    assert sum(i.kind is ItemKind.COMMENT for i in items) == 45
    reply = by_id[f"{v.id}_{r.id}"]
    assert reply.kind is ItemKind.REPLY and reply.parent_external_id == f"{v.id}_{tops[3].id}"
    assert by_id[f"{v.id}_{own.id}"].author_is_owner
    new = account.add_comment(v.id, "new", created=time.time() - 1)
    assert [i.external_id for i in drain(conn, cursors)[0]] == [f"{v.id}_{new.id}"]


def test_hide_changes_the_fake_and_delete_is_refused(server, account, http):
    """Hide/unhide reach the fake; deleting someone else's comment is not possible on TikTok."""
    v = account.add_post("tiktok", BUSINESS, "video", created=time.time() - 500)
    c = account.add_comment(v.id, "nasty", created=time.time() - 100)
    conn = connect(server, "tiktok", BUSINESS, http)
    assert conn.act(f"{v.id}_{c.id}", Action.HIDE).ok and account.comment(c.id).hidden
    items, _, _ = drain(conn)
    assert next(i for i in items if i.external_id.endswith(c.id)).hidden
    assert conn.act(f"{v.id}_{c.id}", Action.UNHIDE).ok and not account.comment(c.id).hidden
    assert not conn.act(f"{v.id}_{c.id}", Action.DELETE).ok
    assert not conn.act(f"{v.id}_999", Action.HIDE).ok


@pytest.mark.parametrize("code,expected", [(40100, RateLimited), (40105, CredentialsRejected), (50002, SourceUnavailable)])
def test_error_codes_in_a_200_envelope(server, account, http, code, expected):
    """TikTok reports errors as non-zero codes with HTTP 200; they still raise."""
    server.fail("tiktok", "error", code=code)
    with pytest.raises(expected):
        drain(connect(server, "tiktok", BUSINESS, http))
