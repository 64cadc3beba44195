"""X: recorded v2 payloads parse; posts, conversation replies, rate limits and hiding on the fake."""

from __future__ import annotations

import time

import httpx
import pytest

from connectors.base import Action
from connectors.common import ConnectorSecrets
from connectors.x.client import conversation_batches
from connectors.x.connector import XConnector, tweet_item
from monitor.config import AccountConfig
from monitor.errors import CredentialsRejected, QuotaExhausted, RateLimited
from monitor.types import ItemKind

from .conftest import TOKEN, body_of, connect, drain, mock_client, recorded

TW = "twitter/"
USER = "1072250532645998596"


def test_recorded_user_tweets_cassette_parses_and_pages():
    """The recorded users/:id/tweets page gives the account's posts; next_token is followed."""
    page = body_of(TW + "tweepy_test_client_get_users_tweets_0.json")
    seen = []

    def handler(request):
        seen.append(request)
        if "users/783214/tweets" in request.url.path and "pagination_token" not in str(request.url):
            return httpx.Response(200, json=page)
        return httpx.Response(200, json={"meta": {"result_count": 0}})

    acc = AccountConfig(id="x", platform="x", external_id="783214")
    conn = XConnector.from_config(acc, ConnectorSecrets(token=TOKEN), http=mock_client(handler))
    items, cursors, _ = drain(conn)
    assert [i.external_id for i in items] == ["1577730467436138524", "1565318587736285184"]
    assert all(i.kind is ItemKind.POST for i in items) and cursors["posts"] == "1577730467436138524"
    assert "pagination_token=7140dibdnow9c7btw4232poeq0wapgnwgwqwvuwn3peex" in str(seen[1].url)
    assert all(TOKEN not in str(r.url) for r in seen)


def test_recorded_quote_tweets_map_author_and_conversation():
    """Recorded tweets with author ids and includes map author and permalink."""
    page = body_of(TW + "pytwitter_tweet_tweet_quote_tweets_resp.json")
    items = [tweet_item(t, page.get("includes") or {}, "29757971") for t in page["data"]]
    assert items[0].author_is_owner and items[0].created_at.year == 2022
    assert items[0].permalink.endswith(f"/status/{items[0].external_id}")


def test_recorded_rate_limit_headers_give_the_reset_delay():
    """X's x-rate-limit-reset (recorded on real responses) sets RateLimited's delay on a 429."""
    cassette = recorded(TW + "tweepy_test_client_get_users_tweets_0.json")
    reset = int(cassette["headers"]["x-rate-limit-reset"])
    acc = AccountConfig(id="x", platform="x", external_id="783214")
    conn = XConnector.from_config(acc, ConnectorSecrets(token=TOKEN), http=mock_client(
        lambda r: httpx.Response(429, headers={"x-rate-limit-reset": str(reset)},
                                 json={"title": "Too Many Requests", "status": 429})), clock=lambda: reset - 120.0)
    with pytest.raises(RateLimited) as exc:
        drain(conn)
    assert exc.value.retry_after == 120


def test_recorded_hide_reply_response_confirms():
    """The recorded PUT /hidden answer confirms the hide."""
    cassette = recorded(TW + "tweepy_test_client_hide_and_unhide_reply_0.json")
    acc = AccountConfig(id="x", platform="x", external_id="1")
    conn = XConnector.from_config(acc, ConnectorSecrets(token=TOKEN),
                                  http=mock_client(lambda r: httpx.Response(200, json=cassette["body"])))
    assert conn.act("1344794616005066752", Action.HIDE).ok


def test_conversation_queries_fit_in_512_characters():
    """Many conversations are split into OR-queries no longer than X allows."""
    ids = [str(1_700_000_000_000_000_000 + i) for i in range(40)]
    batches = conversation_batches(ids)
    assert sum(len(b) for b in batches) == 40
    assert all(len(" OR ".join(f"conversation_id:{c}" for c in b)) <= 512 for b in batches)


@pytest.fixture
def account(server):
    server.world.add_account("x", USER, name="Sunflower Clubs", handle="sunflowerclubs")
    return server.world


def test_posts_and_conversation_replies_incrementally(server, account, http):
    """Replies are found by conversation_id; the next poll returns only newer ones (since_id)."""
    p = account.add_post("x", USER, "Half-term club booking now open", created=time.time() - 3600)
    c = account.add_comment(p.id, "How much per day?", created=time.time() - 3000)
    own = account.add_comment(p.id, "£32", parent_id=c.id, author_id=USER, author_handle="sunflowerclubs",
                              created=time.time() - 2900)
    conn = connect(server, "x", USER, http)
    items, cursors, _ = drain(conn)
    kinds = {i.external_id: (i.kind, i.parent_external_id, i.author_is_owner) for i in items}
    assert kinds == {p.id: (ItemKind.POST, None, True), c.id: (ItemKind.COMMENT, p.id, False),
                     own.id: (ItemKind.REPLY, c.id, True)}
    new = account.add_comment(p.id, "Thanks", parent_id=own.id, created=time.time() - 10)
    assert [i.external_id for i in drain(conn, cursors)[0]] == [new.id]


def test_replies_page_through_next_token(server, account, http):
    """More than 100 replies arrive across search pages."""
    p = account.add_post("x", USER, "post", created=time.time() - 3600)
    for k in range(130):
        account.add_comment(p.id, f"r{k}", created=time.time() - 3000 + k)
    items, _, _ = drain(connect(server, "x", USER, http))
    assert sum(i.kind is ItemKind.COMMENT for i in items) == 130


def test_429_uses_x_rate_limit_reset(server, account, http):
    """The fake's 429 carries x-rate-limit-reset; RateLimited waits until then."""
    server.fail("x", "rate_limit", reset_in=600)
    with pytest.raises(RateLimited) as exc:
        drain(connect(server, "x", USER, http))
    assert 590 <= exc.value.retry_after <= 601


def test_usage_cap_is_quota_exhausted(server, account, http):
    """The monthly usage cap is a QuotaExhausted, not a short rate limit."""
    server.fail("x", "rate_limit", usage_capped=True)
    with pytest.raises(QuotaExhausted):
        drain(connect(server, "x", USER, http))


def test_hide_reply_changes_the_fake(server, account, http):
    """Hiding a reply sets it hidden on the fake; unhide reverses it; delete is not offered."""
    p = account.add_post("x", USER, "post", created=time.time() - 100)
    c = account.add_comment(p.id, "nasty", created=time.time() - 50)
    conn = connect(server, "x", USER, http)
    assert conn.act(c.id, Action.HIDE).ok and account.comment(c.id).hidden
    assert conn.act(c.id, Action.UNHIDE).ok and not account.comment(c.id).hidden
    assert not conn.act(c.id, Action.DELETE).ok
    assert not conn.act("1", Action.HIDE).ok


def test_unauthorized_is_credentials_rejected(server, account, http):
    """A revoked token (401) stops the account."""
    server.world.tokens["x"] = {"other"}
    with pytest.raises(CredentialsRejected):
        drain(connect(server, "x", USER, http))
