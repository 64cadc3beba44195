"""YouTube: recorded payloads parse; behaviour, quota accounting and moderation against the fake."""

from __future__ import annotations

import time

import httpx
import pytest

from connectors.base import Action
from connectors.common import ConnectorSecrets
from connectors.youtube.connector import YouTubeConnector, comment_item, thread_items, video_item
from connectors.youtube.quota import QuotaMeter
from monitor.config import AccountConfig
from monitor.errors import (
    CredentialsRejected,
    MalformedResponse,
    QuotaExhausted,
    RateLimited,
    SourceUnavailable,
)
from monitor.types import ItemKind

from .conftest import TOKEN, body_of, connect, drain, mock_client

YT = "youtube/"
CHANNEL = "UCsunflowerclubs0000001"


# -- recorded payloads ----------------------------------------------------------------------
def test_recorded_comment_threads_parse_with_embedded_replies():
    """Recorded commentThreads pages give comments whose parent is the video, replies the thread."""
    page = body_of(YT + "pyyoutube_comment_threads_comment_threads_multi.json")
    items = [i for t in page["items"] for i in thread_items(t, "UC_x5XG1OV2P6uZZ5FSM9Ttw")]
    assert items and all(i.kind in (ItemKind.COMMENT, ItemKind.REPLY) for i in items)
    top = items[0]
    assert top.parent_external_id == page["items"][0]["snippet"]["videoId"]
    assert top.created_at is not None and top.permalink.endswith(f"lc={top.external_id}")


def test_recorded_reply_page_maps_parent_ids():
    """Recorded comments.list(parentId) replies point at their thread."""
    page = body_of(YT + "pyyoutube_comments_comments_by_parent_paged_2.json")
    [reply] = [comment_item(c, "x") for c in page["items"]]
    assert reply.kind is ItemKind.REPLY and reply.parent_external_id == "Ugw5zYU6n9pmIgAZWvN4AaABAg"
    assert reply.text == "hey, this is the replay" and reply.author_name == "kun liu"


def test_recorded_playlist_items_become_videos():
    """Recorded uploads-playlist items become the channel's own posts with thumbnails."""
    page = body_of(YT + "pyyoutube_playlist_items_playlist_items_paged_2.json")
    videos = [video_item(e, "UC_x5XG1OV2P6uZZ5FSM9Ttw") for e in page["items"]]
    assert all(v is not None and v.kind is ItemKind.POST and v.author_is_owner for v in videos)
    assert videos[0].text.startswith("Vizier") and videos[0].media


def _yt(handler, **options) -> YouTubeConnector:
    acc = AccountConfig(id="yt", platform="youtube", external_id="UC_x5XG1OV2P6uZZ5FSM9Ttw",
                        options={"uploads_playlist": "UUx", **options})
    return YouTubeConnector.from_config(acc, ConnectorSecrets(token=TOKEN), http=mock_client(handler))


@pytest.mark.parametrize("fixture,expected", [
    ("sharex-issue4477_error_quotaExceeded_403.json", QuotaExhausted),
    ("pyyoutube_error_permission_resp.json", CredentialsRejected),
    ("yt-player-react_error_missingRequiredParameter_400.json", MalformedResponse),
])
def test_recorded_youtube_errors_map_to_the_error_tree(fixture, expected):
    """Recorded YouTube error envelopes raise the error the daemon acts on."""
    body = body_of(YT + fixture)
    status = body["error"]["code"]
    with pytest.raises(expected) as exc:
        drain(_yt(lambda r: httpx.Response(status, json=body)))
    assert TOKEN not in str(exc.value)


def test_recorded_comments_disabled_skips_that_video_only():
    """A video with comments disabled (recorded 403) is skipped; the poll carries on."""
    disabled = body_of(YT + "yt-player-react_error_commentsDisabled_403.json")
    videos = body_of(YT + "pyyoutube_playlist_items_playlist_items_paged_2.json")
    videos.pop("nextPageToken", None)

    def handler(request):
        if "playlistItems" in request.url.path:
            return httpx.Response(200, json=videos)
        return httpx.Response(403, json=disabled)

    conn = _yt(handler, max_videos=3)
    items, cursors, _ = drain(conn)
    assert len(items) == 3 and set(conn.diagnostics()["videos_skipped"].values()) == {"commentsDisabled"}
    assert "comments" in cursors


# -- against the fake ---------------------------------------------------------------------------
@pytest.fixture
def channel(server):
    server.world.add_account("youtube", CHANNEL, name="Sunflower Clubs")
    return server.world


def _videos(world, n, comments=3, replies=0):
    start = time.time() - 80_000
    vids = []
    for i in range(n):
        v = world.add_post("youtube", CHANNEL, f"description {i}", title=f"Video {i}", created=start + i * 100)
        for j in range(comments):
            c = world.add_comment(v.id, f"c{i}.{j}", created=v.created + 10 + j)
            for k in range(replies if j == 0 else 0):
                world.add_comment(v.id, f"r{i}.{k}", parent_id=c.id, created=v.created + 50 + k)
        vids.append(v)
    return vids


def test_sync_walks_uploads_threads_and_all_replies(server, channel, http):
    """Videos, threads and replies beyond the five embedded ones all arrive, each once."""
    _videos(channel, 3, comments=2, replies=8)
    conn = connect(server, "youtube", CHANNEL, http)
    items, cursors, _ = drain(conn)
    kinds = [i.kind for i in items]
    assert (kinds.count(ItemKind.POST), kinds.count(ItemKind.COMMENT), kinds.count(ItemKind.REPLY)) == (3, 6, 24)
    assert len({i.external_id for i in items}) == len(items)
    assert {"videos", "comments", "reply_counts", "quota"} <= set(cursors)


def test_incremental_poll_costs_one_unit_per_video(server, channel, http):
    """A quiet poll costs 1 (playlist) + 1 per video; new replies on an old thread are found."""
    vids = _videos(channel, 4, comments=2, replies=6)
    conn = connect(server, "youtube", CHANNEL, http)
    _, cursors, _ = drain(conn)
    used = conn.diagnostics()["quota_used"]
    thread = channel.comments_on(vids[0].id)[0]
    late = channel.add_comment(vids[0].id, "late reply", parent_id=thread.id, created=time.time() - 5)
    items, cursors, _ = drain(conn, cursors)
    assert [i.external_id for i in items] == [late.id]
    assert conn.diagnostics()["quota_used"] - used == 1 + 4 + 1  # + comments.list for the grown thread
    used = conn.diagnostics()["quota_used"]
    assert drain(conn, cursors)[0] == []
    assert conn.diagnostics()["quota_used"] - used == 5
    assert server.fakes["youtube"].units_used == conn.diagnostics()["quota_used"]


def test_quota_survives_a_restart_through_its_cursor(server, channel, http):
    """The units spent today come back from the stored quota cursor after a restart."""
    _videos(channel, 2)
    _, cursors, _ = drain(connect(server, "youtube", CHANNEL, http))
    fresh = connect(server, "youtube", CHANNEL, http)
    drain(fresh, cursors)
    assert fresh.diagnostics()["quota_used"] >= int(cursors["quota"].split(":")[1])


def test_quota_exceeded_403_raises_quota_exhausted_until_the_reset(server, channel, http):
    """YouTube's 403 quotaExceeded waits until the Pacific midnight reset, at most a day."""
    _videos(channel, 1)
    server.fail("youtube", "error", reason="quotaExceeded")
    with pytest.raises(QuotaExhausted) as exc:
        drain(connect(server, "youtube", CHANNEL, http))
    assert 0 < exc.value.retry_after <= 86_400


def test_comments_disabled_on_the_fake_skips_the_video(server, channel, http):
    """The fake answers commentsDisabled like YouTube; the connector skips just that video."""
    vids = _videos(channel, 2)
    vids[0].comments_disabled = True
    conn = connect(server, "youtube", CHANNEL, http)
    items, _, _ = drain(conn)
    assert conn.diagnostics()["videos_skipped"] == {vids[0].id: "commentsDisabled"}
    assert sum(i.kind is ItemKind.COMMENT for i in items) == 3


def test_polling_slows_down_before_the_quota_runs_out():
    """Near the limit a poll is refused with a longer wait; at the reserve it stops until the reset."""
    clock = [1_800_000_000.0]
    meter = QuotaMeter(10_000, reserve=500, clock=lambda: clock[0])
    meter.check_poll(21, 900)  # plenty left
    meter.polled()
    meter.used = 9_300  # 200 left above the reserve, hours before the reset
    clock[0] += 900
    with pytest.raises(RateLimited) as exc:
        meter.check_poll(21, 900)
    assert exc.value.retry_after > 0 and not isinstance(exc.value, QuotaExhausted)
    meter.used = 9_490
    with pytest.raises(QuotaExhausted):
        meter.check_poll(21, 900)


def test_moderation_changes_the_fake_and_costs_50_units(server, channel, http):
    """Hide holds the comment for review, unhide publishes it, delete rejects it."""
    v = _videos(channel, 1)[0]
    c = channel.comments_on(v.id)[0]
    conn = connect(server, "youtube", CHANNEL, http)
    before = conn.diagnostics()["quota_used"]
    assert conn.act(c.id, Action.HIDE).ok and channel.comment(c.id).status == "heldForReview"
    assert conn.act(c.id, Action.UNHIDE).ok and channel.comment(c.id).status == "published"
    assert conn.act(c.id, Action.DELETE).ok and channel.comment(c.id).status == "rejected"
    assert conn.diagnostics()["quota_used"] - before == 150
    assert not conn.act("nope", Action.HIDE).ok


@pytest.mark.parametrize("kind,expected", [("server_error", SourceUnavailable), ("truncated", MalformedResponse)])
def test_youtube_outages(server, channel, http, kind, expected):
    """5xx and truncated bodies raise the usual errors."""
    _videos(channel, 1)
    server.fail("youtube", kind)
    with pytest.raises(expected):
        drain(connect(server, "youtube", CHANNEL, http))


def test_youtube_bad_token_is_credentials_rejected(server, channel, http):
    """A revoked OAuth token (401 authError) stops the account."""
    server.world.tokens["youtube"] = {"another"}
    with pytest.raises(CredentialsRejected):
        drain(connect(server, "youtube", CHANNEL, http))
