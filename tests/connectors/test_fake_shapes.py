"""The fakes answer in the recorded payloads' shapes: every recorded key is present in the fake's answer."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from .conftest import body_of, recorded

AUTH = {"authorization": "Bearer t"}


def missing_keys(real: Any, fake: Any, path: str = "", ignore: frozenset[str] = frozenset()) -> list[str]:
    """Paths of keys the recorded payload has and the fake's lacks (dicts, and lists' first items)."""
    out: list[str] = []
    if isinstance(real, dict) and isinstance(fake, dict):
        for key, value in real.items():
            where = f"{path}.{key}" if path else key
            if where in ignore:
                continue
            if key not in fake:
                out.append(where)
            else:
                out += missing_keys(value, fake[key], where, ignore)
    elif isinstance(real, list) and isinstance(fake, list) and real and fake:
        out += missing_keys(real[0], fake[0], f"{path}[]", ignore)
    elif isinstance(real, dict) != isinstance(fake, dict) or isinstance(real, list) != isinstance(fake, list):
        out.append(f"{path} (type)")
    return out


@pytest.fixture
def world(server):
    w = server.world
    now = time.time() - 1000
    w.add_account("facebook", "19292868552", name="Page")
    fb = w.add_post("facebook", "19292868552", "post", created=now, media_url="https://img/x.jpg")
    for k in range(3):
        c = w.add_comment(fb.id, f"c{k}", created=now + k + 1)
    w.add_comment(fb.id, "r", parent_id=c.id, created=now + 10)
    w.add_account("instagram", "1784", name="IG")
    ig = w.add_post("instagram", "1784", "pic", created=now)
    for k in range(3):
        w.add_comment(ig.id, f"c{k}", created=now + k + 1)
    w.add_account("youtube", "UCabc", name="Chan")
    w.add_post("youtube", "UCabc", "older", title="o", created=now - 5)
    yt = w.add_post("youtube", "UCabc", "desc", title="t", created=now)
    for k in range(3):
        c = w.add_comment(yt.id, f"c{k}", created=now + k + 1)
    w.add_comment(yt.id, "r", parent_id=c.id, created=now + 10)
    w.add_account("x", "783214", name="X")
    for k in range(7):
        w.add_post("x", "783214", f"t{k}", created=now + k)
    w.add_account("wordpress", "site", name="WP")
    wp = w.add_post("wordpress", "site", "body", title="Title", created=now)
    w.add_comment(wp.id, "hello", created=now + 1)
    return {"fb": fb, "ig": ig, "yt": yt}


def _get(server, platform: str, path: str, **params: Any) -> httpx.Response:
    with httpx.Client() as c:
        return c.get(server.base_url(platform) + path, params=params, headers=AUTH)


def test_graph_comment_pages_match_the_recorded_shape(server, world):
    """A Graph comments page (data, paging.cursors, paging.next, summary; item fields) matches the recording."""
    real = body_of("facebook/pyfacebook_comments_comments_p1.json")
    fake = _get(server, "facebook", f"/v11.0/{world['fb'].id}/comments", limit=2, summary=1, filter="stream",
                fields="id,comment_count,created_time,like_count,message,permalink_url").json()
    assert missing_keys(real, fake) == []
    assert "access_token" in fake["paging"]["next"]  # as Graph echoes it


def test_graph_posts_and_errors_match_the_recorded_shape(server, world):
    """Posts listing items and the code-190 error envelope carry every recorded key."""
    real = body_of("facebook/pyfacebook_posts_feed_fields_p1.json")
    fake = _get(server, "facebook", "/v10.0/19292868552/published_posts", fields="id,message,created_time").json()
    assert missing_keys(real, fake, ignore=frozenset({"paging.previous", "paging.next"})) == []
    server.fail("facebook", "error", code=190)
    err = _get(server, "facebook", "/v21.0/19292868552/published_posts").json()
    assert missing_keys(body_of("facebook/error_code190_subcode463_session_expired.json"), err) == []


def test_instagram_comment_pages_match_the_recorded_shape(server, world):
    """An Instagram comments page matches the recorded page (cursors.after and next)."""
    real = body_of("instagram/pyfacebook_medias_comments_p1.json")
    fake = _get(server, "instagram", f"/v11.0/{world['ig'].id}/comments", limit=2, fields="timestamp,text,id").json()
    assert missing_keys(real, fake) == []


@pytest.mark.parametrize("fixture,path", [
    ("youtube/pyyoutube_comment_threads_comment_threads_by_video_paged_1.json", "commentThreads"),
    ("youtube/pyyoutube_playlist_items_playlist_items_paged_1.json", "playlistItems"),
])
def test_youtube_lists_match_the_recorded_shape(server, world, fixture, path):
    """commentThreads and playlistItems answers carry every recorded key down to the snippets."""
    real = body_of(fixture)
    params = {"commentThreads": {"videoId": world["yt"].id, "part": "snippet,replies", "maxResults": 2},
              "playlistItems": {"playlistId": "UUabc", "part": "snippet,contentDetails", "maxResults": 1}}[path]
    fake = _get(server, "youtube", f"/youtube/v3/{path}", **params).json()
    ignore = frozenset({"items[].snippet.topLevelComment.snippet.authorChannelUrl",  # absent for some authors
                        "items[].snippet.thumbnails.default", "items[].snippet.thumbnails.medium",
                        "items[].snippet.thumbnails.standard", "items[].snippet.thumbnails.maxres",
                        "prevPageToken"})
    assert missing_keys(real, fake, ignore=ignore) == []


def test_youtube_quota_error_matches_the_recorded_body(server, world):
    """The fake's 403 quotaExceeded is the recorded envelope."""
    server.fail("youtube", "error", reason="quotaExceeded")
    r = _get(server, "youtube", "/youtube/v3/commentThreads", videoId=world["yt"].id)
    cassette = recorded("youtube/sharex-issue4477_error_quotaExceeded_403.json")
    assert r.status_code == cassette["status"] and missing_keys(cassette["body"], r.json()) == []


def test_x_user_tweets_match_the_recorded_cassette(server, world):
    """users/:id/tweets carries the recorded body keys and the x-rate-limit headers."""
    cassette = recorded("twitter/tweepy_test_client_get_users_tweets_0.json")
    r = _get(server, "x", "/2/users/783214/tweets", max_results=5)
    assert missing_keys(cassette["body"], r.json()) == []
    assert {"x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"} <= set(r.headers)


def test_wordpress_comments_match_the_generated_collection(server, world):
    """A comments collection item carries the recorded fields (links and meta aside)."""
    real = body_of("wordpress/wp-api-generated_CommentsCollection.json")
    fake = _get(server, "wordpress", "/wp-json/wp/v2/comments").json()
    assert missing_keys(real, fake, ignore=frozenset({"[]._links", "[].meta", "[].author_avatar_urls"})) == []
