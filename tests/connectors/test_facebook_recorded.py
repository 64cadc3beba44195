"""Facebook: the connector parses recorded Graph payloads and webhook deliveries."""

from __future__ import annotations

import json

import httpx
import pytest

from connectors.base import WebhookRequest
from connectors.common import ConnectorSecrets
from connectors.facebook.connector import (
    FacebookPageConnector,
    comment_item,
    feed_change_item,
    feed_entry_items,
)
from connectors.meta_webhooks import sign
from monitor.config import AccountConfig
from monitor.errors import CredentialsRejected, RateLimited, SourceUnavailable
from monitor.types import ItemKind

from .conftest import APP_SECRET, TOKEN, body_of, drain, mock_client

FB = "facebook/"


def _connector(handler, page_id="4") -> FacebookPageConnector:
    acc = AccountConfig(id="fb", platform="facebook", external_id=page_id, options={"window_days": 99999})
    return FacebookPageConnector.from_config(
        acc, ConnectorSecrets(token=TOKEN, app_secret=APP_SECRET), http=mock_client(handler)
    )


def _graph(routes):
    def handler(request: httpx.Request) -> httpx.Response:
        for needle, payload in routes:
            if needle in str(request.url):
                return httpx.Response(200, json=payload) if not isinstance(payload, httpx.Response) else payload
        return httpx.Response(200, json={"data": []})
    return handler


def test_recorded_posts_pages_become_post_items():
    """Two recorded published-posts pages (followed via paging.next) give ten posts by the Page."""
    p1, p2 = body_of(FB + "pyfacebook_posts_feed_fields_p1.json"), body_of(FB + "pyfacebook_posts_feed_fields_p2.json")
    calls = []

    def handler(request):
        calls.append(request)
        if "published_posts" in request.url.path:
            return httpx.Response(200, json=p1)
        if request.url.path.endswith("/4/posts"):
            return httpx.Response(200, json=p2)
        return httpx.Response(200, json={"data": []})

    items, cursors, _ = drain(_connector(handler))
    posts = [i for i in items if i.kind is ItemKind.POST]
    assert len(posts) == 10
    assert posts[0].external_id == "4_10113477241177441" and posts[0].text.startswith("Happy July 4th")
    assert posts[0].created_at.isoformat() == "2021-07-04T19:50:58+00:00"
    assert all(p.author_is_owner for p in posts)
    assert cursors["posts"].startswith(str(int(posts[0].created_at.timestamp())))
    assert all("access_token" not in str(c.url) for c in calls)


def test_recorded_default_fields_post_keeps_picture_and_permalink():
    """A post with attachments maps its picture to media and keeps its permalink."""
    page = body_of(FB + "pyfacebook_posts_feeds_default_fields_p1.json")
    page.pop("paging", None)
    items, _, _ = drain(_connector(_graph([("published_posts", page)]), page_id="19292868552"))
    first = items[0]
    assert first.kind is ItemKind.POST and first.media and first.media[0].url.startswith("https://scontent")
    assert first.permalink and "facebook.com" in first.permalink


def test_recorded_comment_pages_rebuild_missing_ids_and_replies_from_permalinks():
    """Recorded comments lack ``id``; ids and reply parents are rebuilt from permalink_url."""
    p1 = body_of(FB + "pyfacebook_comments_comments_p1.json")
    p2 = body_of(FB + "pyfacebook_comments_comments_p2.json")
    post = {"data": [{"id": "19292868552_10158407654328553", "message": "post",
                      "created_time": "2021-08-10T18:00:00+0000"}]}
    handler = _graph([("published_posts", post), ("after=after", p2), ("/comments", p1)])
    items, _, _ = drain(_connector(handler, page_id="19292868552"))
    comments = [i for i in items if i.kind is not ItemKind.POST]
    assert len(comments) == 15  # 10 + 5, from both pages
    first = comments[0]
    assert first.external_id == "10158407654328553_10158407835073553"
    assert first.kind is ItemKind.COMMENT and first.parent_external_id == "19292868552_10158407654328553"
    reply = next(c for c in comments if c.external_id == "10158407654328553_10158409983033553")
    assert reply.kind is ItemKind.REPLY and reply.parent_external_id == "10158407654328553_10158407903973553"


def test_recorded_single_comment_node_maps():
    """A comment node (create response shape) maps with its own id and time."""
    c = comment_item(body_of(FB + "pyfacebook_comments_create_resp.json"), post_id="p", page_id="245628824887810")
    assert c is not None and c.external_id == "245778718206154_229887283291835" and c.text.startswith("Message")


@pytest.mark.parametrize("fixture,expected", [
    ("error_code4_app_request_limit.json", RateLimited),
    ("error_code4_app_request_limit_2023.json", RateLimited),
    ("error_code32_page_request_limit.json", RateLimited),
    ("error_code613_rate_limit_fbtrace_redacted.json", RateLimited),
    ("error_code190_subcode463_session_expired.json", CredentialsRejected),
    ("error_code190_subcode463_bridgy_2014.json", CredentialsRejected),
    ("error_code200_permissions.json", CredentialsRejected),
    ("error_code2_service_unavailable_fbtrace_redacted.json", SourceUnavailable),
])
def test_recorded_graph_errors_map_to_the_error_tree(fixture, expected):
    """Each recorded Graph error envelope raises the error the daemon acts on."""
    payload = body_of(FB + fixture)
    conn = _connector(lambda r: httpx.Response(400, json=payload))
    with pytest.raises(expected) as exc:
        drain(conn)
    assert exc.value.account == "fb" and TOKEN not in str(exc.value)


def test_rate_limit_without_usage_header_waits_the_default():
    """Graph code 4 without an estimate waits the documented default (5 minutes)."""
    payload = body_of(FB + "error_code4_app_request_limit.json")
    with pytest.raises(RateLimited) as exc:
        drain(_connector(lambda r: httpx.Response(400, json=payload)))
    assert exc.value.retry_after == 300


WEBHOOK_CASES = [
    ("feed_comment_add.json", "690891113073877_759878495960329", ItemKind.COMMENT, "手动点赞"),
    ("feed_comment_add_emoji_2020.json", "407298303721936_408074750310958", ItemKind.COMMENT, "🙏"),
    ("restfb_feed-comment-add-25.json", "901097836652708_903438993085259", ItemKind.COMMENT, "and the next one"),
    ("restfb_feed-comment-add-211.json", "901097836652708_903438993085259", ItemKind.COMMENT, "and the next one"),
    ("restfb_feed-comment-add-with-photo.json", "901097836652708_903438993085259", ItemKind.COMMENT, "and the next one"),
    ("restfb_feed-comment-edited-25.json", "900728623356296_900744590021366", ItemKind.COMMENT, "Let's see the Webhooks in action :D"),
    ("feed_status_add_published.json", "110322572167401_122141721440024251", ItemKind.POST, "30"),
    ("restfb_feed-status-add-25.json", "1234567890321_930145403745849", ItemKind.POST, "This is just a short test message"),
]


@pytest.mark.parametrize("fixture,external_id,kind,text", WEBHOOK_CASES)
def test_recorded_webhook_deliveries_parse(fixture, external_id, kind, text):
    """Signed recorded feed deliveries become items with the same ids polling would give."""
    body = json.dumps(body_of(FB + "webhooks/" + fixture)).encode()
    page = json.loads(body)["entry"][0]["id"]
    conn = _connector(lambda r: httpx.Response(500), page_id=page)
    resp = conn.handle_webhook(WebhookRequest("POST", {"x-hub-signature-256": sign(body, APP_SECRET)}, {}, body))
    assert resp.status == 200
    assert [(i.external_id, i.kind, i.text) for i in resp.items] == [(external_id, kind, text)]


def test_recorded_webhook_noise_gives_no_items():
    """Reactions, removals, unpublished posts and other fields carry nothing to classify."""
    for fixture in ("feed_reaction_edit_2020.json", "restfb_feed-reaction-add-comment.json",
                    "feed_post_remove.json", "restfb_feed-comment-remove-25.json",
                    "restfb_feed-post-remove-25.json", "feed_status_add_unpublished.json",
                    "restfb_feed-two-entries-25.json"):
        payload = body_of(FB + "webhooks/" + fixture)
        items = [i for e in payload["entry"] for i in feed_entry_items(e, e["id"])]
        assert items == [], fixture


def test_recorded_webhook_partial_shapes_parse():
    """Entry-only and value-only captures parse through the same functions; hide marks hidden."""
    hide = body_of(FB + "webhooks/feed_comment_hide_entry_only.json")
    [item] = feed_entry_items(hide, hide["id"])
    assert item.hidden and item.external_id == "331881159596299_1735528193537632" and item.author_is_owner
    unhide = body_of(FB + "webhooks/feed_comment_unhide_entry_only.json")
    assert not feed_entry_items(unhide, unhide["id"])[0].hidden
    value = body_of(FB + "webhooks/feed_comment_add_photo_value_only.json")
    photo = feed_change_item(value, "110322572167401")
    assert photo is not None and photo.media and photo.external_id == "122141721440024251_657063669920574"
    restfb_hide = body_of(FB + "webhooks/restfb_feed-comment-hide.json")
    [rh] = feed_entry_items(restfb_hide["entry"][0], "1234567890321")
    assert rh.hidden and rh.author_name == "Tester"
