"""WordPress: recorded REST payloads parse; approved and held comments and moderation on the fake."""

from __future__ import annotations

import time

import httpx
import pytest

from connectors.base import Action
from connectors.common import ConnectorSecrets
from connectors.wordpress.connector import WordPressConnector, comment_item, post_item
from monitor.config import AccountConfig
from monitor.errors import CredentialsRejected, RateLimited
from monitor.types import ItemKind

from .conftest import body_of, connect, drain, mock_client

WP = "wordpress/"
SITE = "https://club.example.org"


def test_recorded_collections_parse_through_the_connector():
    """The generated posts/comments collections map to post:4 and comment:2 with plain text."""
    posts, comments = body_of(WP + "wp-api-generated_PostsCollection.json"), body_of(WP + "wp-api-generated_CommentsCollection.json")

    def handler(request):
        if request.url.path.endswith("/posts"):
            return httpx.Response(200, json=posts, headers={"x-wp-totalpages": "1"})
        if request.url.params.get("status") == "approve":
            return httpx.Response(200, json=comments, headers={"x-wp-totalpages": "1"})
        return httpx.Response(200, json=[], headers={"x-wp-totalpages": "0"})

    acc = AccountConfig(id="wp", platform="wordpress", external_id=SITE)
    conn = WordPressConnector.from_config(acc, ConnectorSecrets(token="editor:abcd efgh ijkl"), http=mock_client(handler))
    items, cursors, _ = drain(conn)
    post, comment = items
    assert (post.external_id, post.kind) == ("post:4", ItemKind.POST) and post.text.startswith("REST API Client Fixture")
    assert (comment.external_id, comment.parent_external_id, comment.text) == ("comment:2", "post:4", "This is a comment")
    assert not comment.author_is_owner and cursors == {"posts": "4", "comments": "2"}


def test_recorded_models_parse():
    """Single post and comment models (no _links) map the same way."""
    assert post_item(body_of(WP + "wp-api-generated_PostModel.json")).permalink == "http://example.org/?p=4"
    assert comment_item(body_of(WP + "wp-api-generated_CommentModel.json")).created_at.year == 2017


@pytest.fixture
def site(server):
    server.world.add_account("wordpress", SITE, name="Sunflower Clubs")
    return server.world


def test_held_comments_are_read_with_authentication(server, site, http):
    """Comments held for moderation are fetched (hidden=True) alongside approved ones and replies."""
    p = site.add_post("wordpress", SITE, "Our new term dates", title="Term dates", created=time.time() - 900)
    a = site.add_comment(p.id, "Thanks!", created=time.time() - 800)
    staff = site.add_comment(p.id, "You're welcome", parent_id=a.id, author_id="1", created=time.time() - 700)
    held = site.add_comment(p.id, "Call me on 07700 900123 about my daughter", status="hold", created=time.time() - 600)
    conn = connect(server, "wordpress", SITE, http)
    items, cursors, _ = drain(conn)
    got = {i.external_id: (i.kind, i.hidden, i.author_is_owner) for i in items}
    assert got == {f"post:{p.id}": (ItemKind.POST, False, True), f"comment:{a.id}": (ItemKind.COMMENT, False, False),
                   f"comment:{staff.id}": (ItemKind.REPLY, False, True), f"comment:{held.id}": (ItemKind.COMMENT, True, False)}
    new = site.add_comment(p.id, "One more", created=time.time())
    assert [i.external_id for i in drain(conn, cursors)[0]] == [f"comment:{new.id}"]


def test_many_comments_page_by_number(server, site, http):
    """250 comments come in three numbered pages; the next poll stops at the first known id."""
    p = site.add_post("wordpress", SITE, "post", created=time.time() - 900)
    for k in range(250):
        site.add_comment(p.id, f"c{k}", created=time.time() - 800 + k)
    conn = connect(server, "wordpress", SITE, http)
    items, cursors, _ = drain(conn)
    assert sum(i.kind is ItemKind.COMMENT for i in items) == 250
    before = server.calls("wordpress")
    drain(conn, cursors)
    assert server.calls("wordpress") - before == 3  # posts, approved page 1, held page 1


def test_moderation_changes_the_fake(server, site, http):
    """Hide holds the comment, unhide approves it, delete moves it to the bin."""
    p = site.add_post("wordpress", SITE, "post", created=time.time() - 900)
    c = site.add_comment(p.id, "nasty", created=time.time() - 100)
    conn = connect(server, "wordpress", SITE, http)
    assert conn.act(f"comment:{c.id}", Action.HIDE).ok and site.comment(c.id).status == "hold"
    assert conn.act(f"comment:{c.id}", Action.UNHIDE).ok and site.comment(c.id).status == "approved"
    assert conn.act(f"comment:{c.id}", Action.DELETE).ok and site.comment(c.id).deleted
    assert not conn.act(f"comment:{c.id}", Action.DELETE).ok
    assert not conn.act(f"post:{p.id}", Action.DELETE).ok


def test_wrong_application_password_is_credentials_rejected(server, site, http):
    """WordPress's 401 incorrect_password stops the account."""
    server.world.tokens["wordpress"] = {"editor:right"}
    with pytest.raises(CredentialsRejected):
        drain(connect(server, "wordpress", SITE, http))


def test_host_rate_limit_honours_retry_after(server, site, http):
    """A host's 429 with Retry-After (HTML body) is a RateLimited with that delay."""
    server.fail("wordpress", "rate_limit", retry_after=90)
    with pytest.raises(RateLimited) as exc:
        drain(connect(server, "wordpress", SITE, http))
    assert exc.value.retry_after == 90
