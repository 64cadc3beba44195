"""Facebook Page connector against the fake Graph API over real HTTP on loopback."""

from __future__ import annotations

import logging
import time

import pytest

from connectors.base import Action, WebhookRequest
from connectors.fakes.webhooks import facebook_comment_event, meta_subscribe, send_meta_webhook
from monitor.errors import CredentialsRejected, MalformedResponse, RateLimited, SourceUnavailable
from monitor.types import ItemKind

from .conftest import APP_SECRET, TOKEN, VERIFY_TOKEN, connect, drain

PAGE = "104800000000001"


@pytest.fixture
def page(server):
    server.world.add_account("facebook", PAGE, name="Oakfield After School Club")
    return server.world


def _posts(world, n_posts, n_comments, *, start=None):
    start = start or time.time() - 86_400
    posts = []
    for i in range(n_posts):
        p = world.add_post("facebook", PAGE, f"post {i}", created=start + i * 60)
        for j in range(n_comments):
            world.add_comment(p.id, f"comment {i}.{j}", author_name=f"Parent {j}", created=start + i * 60 + j + 1)
        posts.append(p)
    return posts


def test_first_sync_pages_through_everything(server, page, http):
    """295 comments on 3 posts arrive across pages of 100, with replies marked as such."""
    posts = _posts(page, 3, 95)
    top = page.comments_on(posts[0].id)[0]
    for k in range(10):
        page.add_comment(posts[0].id, f"reply {k}", parent_id=top.id, created=time.time() - 100 + k)
    conn = connect(server, "facebook", PAGE, http)
    items, cursors, batches = drain(conn)
    kinds = [i.kind for i in items]
    assert kinds.count(ItemKind.POST) == 3 and kinds.count(ItemKind.COMMENT) == 285
    replies = [i for i in items if i.kind is ItemKind.REPLY]
    assert len(replies) == 10 and all(r.parent_external_id == top.id for r in replies)
    assert len({i.external_id for i in items}) == len(items)
    assert set(cursors) == {"posts", "comments"}
    assert sum(b.api_calls for b in batches) == server.calls("facebook") == 1 + 3 + 1  # posts, then 3 posts' comments (post 0: 105, two pages)


def test_incremental_poll_returns_only_new_comments_and_skips_quiet_posts(server, page, http):
    """After a sync, a poll fetches comments only for posts Graph marks as updated since the cursor."""
    posts = _posts(page, 5, 20)
    conn = connect(server, "facebook", PAGE, http)
    _, cursors, _ = drain(conn)
    before = server.calls("facebook")
    new = [page.add_comment(posts[2].id, f"new {k}", created=time.time() - 10 + k) for k in range(3)]
    items, cursors2, _ = drain(conn, cursors)
    assert [i.external_id for i in items] == [c.id for c in new]
    # the posts listing, the post with new comments, and the post last touched in the
    # cursor's own second (asked again so a same-second comment cannot slip through)
    assert server.calls("facebook") - before == 3
    again, _, _ = drain(conn, cursors2)
    assert again == []


def test_future_timestamps_are_capped_and_not_redelivered_twice_forever(server, page, http):
    """A comment stamped after the poll began caps the cursor at the poll start; it stays findable."""
    p = page.add_post("facebook", PAGE, "hi", created=time.time() - 100)
    future = page.add_comment(p.id, "from the future", created=time.time() + 30)
    conn = connect(server, "facebook", PAGE, http)
    items, cursors, _ = drain(conn)
    assert future.id in {i.external_id for i in items}
    assert int(cursors["comments"].split("|")[0]) <= time.time()


def test_new_post_and_same_second_comment_are_not_lost(server, page, http):
    """A comment in the same second as the stored cursor is delivered once, not lost or repeated."""
    start = time.time() - 500
    p = page.add_post("facebook", PAGE, "hello", created=start)
    page.add_comment(p.id, "first", created=start + 10)
    conn = connect(server, "facebook", PAGE, http)
    _, cursors, _ = drain(conn)
    late = page.add_comment(p.id, "same second", created=start + 10)
    p2 = page.add_post("facebook", PAGE, "second post", created=start + 20)
    items, _, _ = drain(conn, cursors)
    assert {i.external_id for i in items} == {late.id, p2.id}


def test_abandoned_poll_hands_out_no_cursor(server, page, http):
    """The cursor comes only in the last batch of a stream, so stopping early loses nothing."""
    _posts(page, 2, 150)
    conn = connect(server, "facebook", PAGE, http)
    it = conn.poll({})
    first = [next(it) for _ in range(3)]
    assert [b.cursor for b in first if b.stream == "comments"] == [None] * len([b for b in first if b.stream == "comments"])


def test_owner_replies_are_marked_as_the_organisation(server, page, http):
    """A reply written by the Page itself carries author_is_owner."""
    p = page.add_post("facebook", PAGE, "hi", created=time.time() - 100)
    c = page.add_comment(p.id, "question?", created=time.time() - 90)
    page.add_comment(p.id, "answer", parent_id=c.id, author_id=PAGE, author_name="Oakfield", created=time.time() - 80)
    items, _, _ = drain(connect(server, "facebook", PAGE, http))
    owner = {i.text: i.author_is_owner for i in items}
    assert owner == {"hi": True, "question?": False, "answer": True}


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_graph_rate_limit_codes_raise_rate_limited(server, page, http, code):
    """Graph's rate-limit codes raise RateLimited; the BUC header's estimate sets the delay."""
    server.fail("facebook", "error", code=code, estimated_minutes=7 if code in (32, 613) else None)
    with pytest.raises(RateLimited) as exc:
        drain(connect(server, "facebook", PAGE, http))
    assert exc.value.retry_after == (420 if code in (32, 613) else 300)


def test_expired_token_raises_credentials_rejected_with_a_hint(server, page, http):
    """Code 190 (expired session) stops the account and says what to do."""
    server.fail("facebook", "error", code=190)
    with pytest.raises(CredentialsRejected) as exc:
        drain(connect(server, "facebook", PAGE, http))
    assert "190" in str(exc.value) and "TEST_TOKEN_ENV" in str(exc.value)


def test_revoked_token_is_refused_by_the_fake(server, page, http):
    """A token the platform no longer accepts gives CredentialsRejected, and a new one works."""
    server.world.tokens["facebook"] = {"some-other-token"}
    with pytest.raises(CredentialsRejected):
        drain(connect(server, "facebook", PAGE, http))
    server.world.tokens["facebook"] = {TOKEN}
    drain(connect(server, "facebook", PAGE, http))


@pytest.mark.parametrize("kind,expected", [
    ("server_error", SourceUnavailable),
    ("truncated", MalformedResponse),
])
def test_outages_and_truncated_bodies(server, page, http, kind, expected):
    """5xx means try later; a truncated JSON body is malformed and no cursor is handed out."""
    _posts(page, 2, 5)
    server.fail("facebook", kind, match="/comments")
    conn = connect(server, "facebook", PAGE, http)
    cursors_seen = {}
    with pytest.raises(expected):
        for b in conn.poll({}):
            if b.cursor is not None:
                cursors_seen[b.stream] = b.cursor
    assert "comments" not in cursors_seen


def test_slow_response_times_out_as_source_unavailable(server, page, http):
    """A response slower than the account's timeout is an outage, not a hang."""
    server.fail("facebook", "timeout", delay=1.5)
    conn = connect(server, "facebook", PAGE, http, options={"timeout": 0.3})
    t0 = time.monotonic()
    with pytest.raises(SourceUnavailable):
        drain(conn)
    assert time.monotonic() - t0 < 1.4


def test_take_down_changes_the_fakes_state(server, page, http):
    """Hide, unhide and delete reach the platform: the fake's comment changes."""
    p = page.add_post("facebook", PAGE, "hi", created=time.time() - 100)
    c = page.add_comment(p.id, "nasty", created=time.time() - 50)
    conn = connect(server, "facebook", PAGE, http)
    assert conn.act(c.id, Action.HIDE).ok and page.comment(c.id).hidden
    items, _, _ = drain(conn)
    assert next(i for i in items if i.external_id == c.id).hidden
    assert conn.act(c.id, Action.UNHIDE).ok and not page.comment(c.id).hidden
    assert conn.act(c.id, Action.DELETE).ok and page.comment(c.id).deleted
    again = conn.act(c.id, Action.DELETE)
    assert not again.ok and "100" in again.detail


def test_token_never_appears_in_errors_or_logs(server, page, http, caplog):
    """The token rides in a header; Graph's paging links echo it but it is stripped and redacted."""
    caplog.set_level(logging.DEBUG)
    _posts(page, 1, 250)  # forces paging.next links carrying access_token
    conn = connect(server, "facebook", PAGE, http)
    drain(conn)
    for kind, opts in [("error", {"code": 190}), ("error", {"code": 4}), ("server_error", {}), ("truncated", {})]:
        server.fail("facebook", kind, **opts)
        with pytest.raises(Exception) as exc:
            drain(conn)
        assert TOKEN not in str(exc.value)
    server.fail("facebook", "timeout", delay=1.5)
    with pytest.raises(SourceUnavailable) as exc:
        drain(connect(server, "facebook", PAGE, http, options={"timeout": 0.2}))
    assert TOKEN not in str(exc.value)
    assert caplog.records and all(TOKEN not in r.getMessage() for r in caplog.records)
    assert TOKEN not in repr(conn.diagnostics())


# -- webhooks, delivered over HTTP to a tiny receiver wrapping handle_webhook ----------------
@pytest.fixture
def receiver(server, page, http):
    """A loopback endpoint that hands requests to the connector, as the lead's web app does."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qsl, urlsplit

    conn = connect(server, "facebook", PAGE, http)
    got = []

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def _go(self):
            n = int(self.headers.get("content-length") or 0)
            parts = urlsplit(self.path)
            req = WebhookRequest(self.command, {k.lower(): v for k, v in self.headers.items()},
                                 dict(parse_qsl(parts.query)), self.rfile.read(n) if n else b"")
            resp = conn.handle_webhook(req)
            got.append(resp)
            data = resp.body.encode()
            self.send_response(resp.status)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _go

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/webhooks/fb", got, conn
    httpd.shutdown()
    httpd.server_close()


def test_hub_challenge_handshake(receiver):
    """Meta's subscription GET is answered with the challenge only for the right verify token."""
    url, _, _ = receiver
    ok = meta_subscribe(url, verify_token=VERIFY_TOKEN, challenge="8675309")
    assert ok.status_code == 200 and ok.text == "8675309"
    assert meta_subscribe(url, verify_token="wrong").status_code == 403


@pytest.mark.parametrize("signature,status", [("good", 200), ("bad", 403), ("missing", 403)])
def test_webhook_signature_is_checked(receiver, page, signature, status):
    """Only deliveries signed with the app secret are accepted; bad or missing ones get 403."""
    url, got, _ = receiver
    p = page.add_post("facebook", PAGE, "hi", created=time.time() - 100)
    c = page.add_comment(p.id, "live comment", created=time.time() - 5)
    resp = send_meta_webhook(url, facebook_comment_event(page, c), app_secret=APP_SECRET, signature=signature)
    assert resp.status_code == status
    assert [i.external_id for i in got[-1].items] == ([c.id] if status == 200 else [])


def test_replayed_webhook_matches_the_polled_item(receiver, page, server, http):
    """A replayed event parses to the same external id, parent and kind as polling gives."""
    url, got, conn = receiver
    p = page.add_post("facebook", PAGE, "hi", created=time.time() - 100)
    c = page.add_comment(p.id, "top", created=time.time() - 50)
    r = page.add_comment(p.id, "a reply", parent_id=c.id, created=time.time() - 40)
    payload = facebook_comment_event(page, r)
    for _ in range(2):
        assert send_meta_webhook(url, payload, app_secret=APP_SECRET).status_code == 200
    assert got[0].items == got[1].items
    pushed = got[0].items[0]
    polled = {i.external_id: i for i in drain(conn)[0]}[r.id]
    assert (pushed.external_id, pushed.kind, pushed.parent_external_id) == (
        polled.external_id, polled.kind, polled.parent_external_id) == (r.id, ItemKind.REPLY, c.id)


def test_post_deleted_mid_poll_is_skipped_not_fatal(server, page, http):
    """A post that vanishes between the listing and its comments (Graph error 100) is skipped."""
    posts = _posts(page, 3, 2)
    server.fail("facebook", "error", code=100, match=f"/{posts[1].id}/comments")
    items, cursors, _ = drain(connect(server, "facebook", PAGE, http))
    assert sum(i.kind is ItemKind.COMMENT for i in items) == 4 and "comments" in cursors
