"""Instagram: recorded payloads parse; polling, webhooks and take-downs against the fake."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from connectors.base import Action, WebhookRequest
from connectors.common import ConnectorSecrets
from connectors.fakes.webhooks import instagram_comment_event, instagram_mention_event
from connectors.instagram.connector import InstagramConnector, comment_item, flatten
from connectors.meta_webhooks import sign
from monitor.config import AccountConfig
from monitor.errors import CredentialsRejected, RateLimited
from monitor.types import ItemKind

from .conftest import APP_SECRET, TOKEN, body_of, connect, drain, mock_client

IG = "instagram/"
USER = "17841400000000001"


def _ig(handler, user="17841406338772941") -> InstagramConnector:
    acc = AccountConfig(id="ig", platform="instagram", external_id=user, handle="ikroskun")
    return InstagramConnector.from_config(acc, ConnectorSecrets(token=TOKEN, app_secret=APP_SECRET),
                                          http=mock_client(handler))


def test_recorded_media_and_comment_pages_parse():
    """A recorded album becomes a post with its children; two comment pages are followed."""
    media = body_of(IG + "pyfacebook_medias_media_default.json")
    media["comments_count"] = 4
    p1, p2 = body_of(IG + "pyfacebook_medias_comments_p1.json"), body_of(IG + "pyfacebook_medias_comments_p2.json")

    def handler(request):
        if request.url.path.endswith("/media"):
            return httpx.Response(200, json={"data": [media]})
        if "after=after" in str(request.url):
            return httpx.Response(200, json=p2)
        return httpx.Response(200, json=p1)

    items, cursors, _ = drain(_ig(handler))
    post, *comments = items
    assert post.kind is ItemKind.POST and post.text == "ALBUM" and len(post.media) >= 3
    assert [c.external_id for c in comments] == ["17858154961981086", "17874875428706419",
                                                 "17892250648466172", "17914413430382429"]
    assert all(c.parent_external_id == "17896129349106152" for c in comments)
    assert json.loads(cursors["comment_counts"]) == {"17896129349106152": 4}


def test_recorded_comment_nodes_and_replies_parse():
    """The owner's own comment is marked; nested replies point at their comment."""
    own = comment_item(body_of(IG + "pyfacebook_comments_comment_fields.json"), media_id="m",
                       user_id="1", handle="ikroskun")
    assert own.author_is_owner and own.text.startswith("@ikroskun")
    node = flatten(body_of(IG + "restfb_comment.json"), media_id=None, user_id="1", handle=None)
    assert [(i.external_id, i.kind, i.parent_external_id) for i in node] == [
        ("123456789", ItemKind.COMMENT, "987654321"), ("1234567891", ItemKind.REPLY, "123456789")]
    reply = body_of(IG + "pyfacebook_comments_replies.json")["data"][0]
    assert comment_item(reply, media_id="m", user_id="1", handle=None, parent_id="p").kind is ItemKind.REPLY


@pytest.mark.parametrize("fixture", ["restfb_wh-comments-2021.json", "restfb_wh-comments.json"])
def test_recorded_comments_webhooks_parse(fixture):
    """Meta's documented comments deliveries (old and 2021 shapes) parse to the comment id."""
    body = json.dumps(body_of(IG + fixture)).encode()
    resp = _ig(lambda r: httpx.Response(500)).handle_webhook(
        WebhookRequest("POST", {"x-hub-signature-256": sign(body, APP_SECRET)}, {}, body))
    assert resp.status == 200 and [i.external_id for i in resp.items] == ["123456789"]
    assert resp.items[0].text == "This is an example."


def test_recorded_mentioned_comment_is_fetched_for_a_mentions_webhook():
    """A mentions event is completed with the recorded mentioned_comment lookup."""
    found = body_of(IG + "pyfacebook_users_mentioned_comment.json")
    conn = _ig(lambda r: httpx.Response(200, json=found))
    body = json.dumps(instagram_mention_event("17841406338772941", media_id="99",
                                              comment_id="17967008497439572")).encode()
    resp = conn.handle_webhook(WebhookRequest("POST", {"x-hub-signature-256": sign(body, APP_SECRET)}, {}, body))
    assert [(i.external_id, i.text, i.parent_external_id) for i in resp.items] == [
        ("17967008497439572", "@ikroskun good", "99")]


@pytest.fixture
def account(server):
    server.world.add_account("instagram", USER, name="Sunflower Clubs", handle="sunflowerclubs")
    return server.world


def test_sync_then_only_changed_media_are_read_again(server, account, http):
    """comments_count tells which media changed; quiet media cost nothing on the next poll."""
    start = time.time() - 5000
    media = [account.add_post("instagram", USER, f"pic {i}", created=start + i, media_url="https://i/x.jpg") for i in range(4)]
    for m in media:
        c = account.add_comment(m.id, "lovely", created=m.created + 10)
        account.add_comment(m.id, "thanks!", parent_id=c.id, author_id=USER,
                            author_handle="sunflowerclubs", created=m.created + 20)
    conn = connect(server, "instagram", USER, http, handle="sunflowerclubs")
    items, cursors, _ = drain(conn)
    assert [i.kind for i in items].count(ItemKind.REPLY) == 4
    assert all(i.author_is_owner for i in items if i.kind is ItemKind.REPLY)
    before = server.calls("instagram")
    new = account.add_comment(media[1].id, "new one", created=time.time() - 1)
    got, cursors, _ = drain(conn, cursors)
    assert [i.external_id for i in got] == [new.id]
    assert server.calls("instagram") - before == 2
    assert drain(conn, cursors)[0] == []


def test_many_replies_are_paged_beyond_the_nested_ones(server, account, http):
    """Replies past the nested first page are fetched from /replies."""
    m = account.add_post("instagram", USER, "pic", created=time.time() - 1000)
    c = account.add_comment(m.id, "top", created=m.created + 1)
    for k in range(30):
        account.add_comment(m.id, f"r{k}", parent_id=c.id, created=m.created + 10 + k)
    items, _, _ = drain(connect(server, "instagram", USER, http))
    assert sum(i.kind is ItemKind.REPLY for i in items) == 30


def test_hide_and_delete_change_the_fake(server, account, http):
    """Hide and delete are reflected in the fake's state."""
    m = account.add_post("instagram", USER, "pic", created=time.time() - 100)
    c = account.add_comment(m.id, "rude", created=time.time() - 50)
    conn = connect(server, "instagram", USER, http)
    assert conn.act(c.id, Action.HIDE).ok and account.comment(c.id).hidden
    assert conn.act(c.id, Action.UNHIDE).ok and not account.comment(c.id).hidden
    assert conn.act(c.id, Action.DELETE).ok and account.comment(c.id).deleted


def test_signed_comment_webhook_matches_polled_ids(server, account, http):
    """A generated comments event parses to the same id and parent as polling."""
    m = account.add_post("instagram", USER, "pic", created=time.time() - 100)
    c = account.add_comment(m.id, "hi", created=time.time() - 50)
    conn = connect(server, "instagram", USER, http)
    body = json.dumps(instagram_comment_event(account, c)).encode()
    good = conn.handle_webhook(WebhookRequest("POST", {"x-hub-signature-256": sign(body, APP_SECRET)}, {}, body))
    bad = conn.handle_webhook(WebhookRequest("POST", {"x-hub-signature-256": sign(body, "nope")}, {}, body))
    assert bad.status == 403 and not bad.items
    polled = {i.external_id: i for i in drain(conn)[0]}[c.id]
    assert (good.items[0].external_id, good.items[0].parent_external_id) == (polled.external_id, polled.parent_external_id)


@pytest.mark.parametrize("code,expected", [(190, CredentialsRejected), (4, RateLimited), (613, RateLimited)])
def test_graph_errors_on_instagram(server, account, http, code, expected):
    """Instagram shares Graph's error envelope and mapping."""
    server.fail("instagram", "error", code=code)
    with pytest.raises(expected):
        drain(connect(server, "instagram", USER, http))
