"""Fake YouTube Data API v3 under ``/youtube/youtube/v3``.

``channels``, ``playlistItems`` (uploads, newest first), ``commentThreads`` (videoId,
newest first, up to 5 replies embedded, ``commentsDisabled`` for a video created with
``comments_disabled=True``), ``comments`` (parentId) and ``comments/setModerationStatus``
(204, changes the comment's ``status`` and ``hidden``). It counts quota units like the
real service (``units_used``) and answers 403 ``quotaExceeded`` past ``daily_limit``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from connectors.fakes.model import FakeComment, FakePost
from connectors.fakes.server import FakeRequest, FakeResponse, PlatformFake, Route

COST = {"channels": 1, "playlistItems": 1, "commentThreads": 1, "comments": 1, "setModerationStatus": 50}
MESSAGES = {
    "quotaExceeded": "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.",
    "commentsDisabled": "The video identified by the <code><a href=\"/youtube/v3/docs/commentThreads/list#videoId\">videoId</a></code> parameter has disabled comments.",
    "authError": "Invalid Credentials",
    "videoNotFound": "The video identified by the <code><a href=\"/youtube/v3/docs/commentThreads/list#videoId\">videoId</a></code> parameter could not be found.",
    "commentNotFound": "The comment identified by the <code>id</code> parameter could not be found.",
    "rateLimitExceeded": "The request cannot be completed because you have exceeded your rate limit.",
    "backendError": "Backend Error",
}
DOMAINS = {"quotaExceeded": "youtube.quota", "commentsDisabled": "youtube.commentThread",
           "authError": "global", "rateLimitExceeded": "youtube.quota"}
STATUS = {"quotaExceeded": 403, "commentsDisabled": 403, "authError": 401, "videoNotFound": 404,
          "commentNotFound": 404, "rateLimitExceeded": 403, "backendError": 500}


def yt_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def etag(*parts: Any) -> str:
    return base64.urlsafe_b64encode(hashlib.sha1(repr(parts).encode()).digest()).decode()[:27]


def yt_error(reason: str, status: int | None = None, message: str | None = None) -> FakeResponse:
    msg = message or MESSAGES.get(reason, reason)
    err: dict[str, Any] = {"message": msg, "domain": DOMAINS.get(reason, "youtube.api"), "reason": reason}
    if reason == "commentsDisabled":
        err.update(location="videoId", locationType="parameter")
    return FakeResponse(status or STATUS.get(reason, 400), {"error": {"code": status or STATUS.get(reason, 400),
                                                                     "message": msg, "errors": [err]}})


def _page(req: FakeRequest, rows: list[Any], default: int, cap: int) -> tuple[list[Any], dict[str, Any]]:
    try:
        size = max(1, min(int(req.query.get("maxResults", default)), cap))
    except ValueError:
        size = default
    token = req.query.get("pageToken")
    start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    chunk = rows[start:start + size]
    meta: dict[str, Any] = {"pageInfo": {"totalResults": len(rows), "resultsPerPage": size}}
    if start + size < len(rows):
        meta["nextPageToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    if start:
        meta["prevPageToken"] = base64.urlsafe_b64encode(str(max(0, start - size)).encode()).decode()
    return chunk, meta


class YouTubeFake(PlatformFake):
    name = "youtube"

    def __init__(self, server: Any) -> None:
        super().__init__(server)
        self.units_used = 0
        self.daily_limit = 10_000_000

    def routes(self) -> list[Route]:
        b = r"^/youtube/v3"
        return [
            Route("GET", re.compile(b + r"/channels/?$"), self.channels),
            Route("GET", re.compile(b + r"/playlistItems/?$"), self.playlist_items),
            Route("GET", re.compile(b + r"/commentThreads/?$"), self.comment_threads),
            Route("GET", re.compile(b + r"/comments/?$"), self.comments),
            Route("POST", re.compile(b + r"/comments/setModerationStatus/?$"), self.moderate),
        ]

    def authenticate(self, req: FakeRequest) -> FakeResponse | None:
        if not self.world.token_ok(self.name, req.bearer()):
            return yt_error("authError", 401, "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
        method = req.path.rstrip("/").rsplit("/", 1)[-1]
        cost = COST.get(method, 1)
        if self.units_used + cost > self.daily_limit:
            return yt_error("quotaExceeded")
        self.units_used += cost
        return None

    def failure(self, kind: str, opts: dict[str, Any]) -> FakeResponse:
        reason = opts.get("reason", "quotaExceeded")
        return yt_error(reason, opts.get("status"))

    # -- rendering -------------------------------------------------------------------
    def render_comment(self, c: FakeComment) -> dict[str, Any]:
        post = self.world.posts[c.post_id]
        snippet: dict[str, Any] = {
            "channelId": post.account_id,
            "videoId": post.id,
            "textDisplay": c.text,
            "textOriginal": c.text,
            "authorDisplayName": c.author_name,
            "authorProfileImageUrl": "https://yt3.ggpht.com/a/default-user=s48-c-k-c0xffffffff-no-rj-mo",
            "authorChannelUrl": f"http://www.youtube.com/channel/{c.author_id}",
            "authorChannelId": {"value": c.author_id},
            "canRate": True,
            "viewerRating": "none",
            "likeCount": 0,
            "publishedAt": yt_time(c.created),
            "updatedAt": yt_time(c.created),
        }
        if c.parent_id:
            snippet["parentId"] = c.parent_id
        if c.status != "published":
            snippet["moderationStatus"] = c.status
        return {"kind": "youtube#comment", "etag": etag(c.id, c.text, c.status), "id": c.id, "snippet": snippet}

    def _visible(self, c: FakeComment, moderation: str) -> bool:
        return not c.deleted and c.status == moderation

    # -- handlers ---------------------------------------------------------------------
    def channels(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        ids = [i for i in req.query.get("id", "").split(",") if i]
        items = []
        for cid in ids:
            acc = self.world.account("youtube", cid)
            if acc is None:
                continue
            items.append({
                "kind": "youtube#channel", "etag": etag(cid), "id": cid,
                "snippet": {"title": acc.name, "customUrl": f"@{acc.handle}"},
                "contentDetails": {"relatedPlaylists": {"likes": "", "uploads": "UU" + cid[2:]}},
            })
        return FakeResponse(200, {"kind": "youtube#channelListResponse", "etag": etag(ids),
                                  "pageInfo": {"totalResults": len(items), "resultsPerPage": 5}, "items": items})

    def playlist_items(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        playlist = req.query.get("playlistId", "")
        if not playlist:
            return yt_error("missingRequiredParameter", 400, "No filter selected. Expected one of: id, playlistId")
        channel = "UC" + playlist[2:]
        acc = self.world.account("youtube", channel)
        if acc is None:
            return yt_error("playlistNotFound", 404, "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.")
        videos = list(reversed(self.world.posts_of("youtube", channel)))
        chunk, meta = _page(req, videos, 5, 50)
        items = []
        for pos, v in enumerate(chunk):
            thumb = v.media_url or f"https://i.ytimg.com/vi/{v.id}/hqdefault.jpg"
            items.append({
                "kind": "youtube#playlistItem", "etag": etag(v.id),
                "id": base64.b64encode(f"{playlist}.{v.id}".encode()).decode(),
                "snippet": {
                    "publishedAt": yt_time(v.created), "channelId": channel, "title": v.title or v.text[:60],
                    "description": v.text, "thumbnails": {"high": {"url": thumb, "width": 480, "height": 360}},
                    "channelTitle": acc.name, "playlistId": playlist, "position": pos,
                    "resourceId": {"kind": "youtube#video", "videoId": v.id},
                    "videoOwnerChannelTitle": acc.name, "videoOwnerChannelId": channel,
                },
                "contentDetails": {"videoId": v.id, "videoPublishedAt": yt_time(v.created)},
            })
        return FakeResponse(200, {"kind": "youtube#playlistItemListResponse", "etag": etag(playlist), **meta, "items": items})

    def comment_threads(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        vid = req.query.get("videoId")
        if not vid:
            return yt_error("missingRequiredParameter", 400, "'No filter selected. Expected one of: channelId, allThreadsRelatedToChannelId, videoId, id'")
        post: FakePost | None = self.world.posts.get(vid)
        if post is None or post.platform != "youtube" or post.deleted:
            return yt_error("videoNotFound")
        if post.comments_disabled:
            return yt_error("commentsDisabled")
        moderation = req.query.get("moderationStatus", "published")
        all_comments = self.world.comments_on(vid)
        tops = [c for c in all_comments if c.parent_id is None and self._visible(c, moderation)]
        tops.sort(key=lambda c: (c.created, c.seq), reverse=req.query.get("order", "time") == "time")
        chunk, meta = _page(req, tops, 20, 100)
        want_replies = "replies" in req.query.get("part", "")
        items = []
        for t in chunk:
            replies = [r for r in all_comments if r.parent_id == t.id and self._visible(r, "published")]
            thread: dict[str, Any] = {
                "kind": "youtube#commentThread", "etag": etag(t.id, len(replies)), "id": t.id,
                "snippet": {"channelId": post.account_id, "videoId": vid, "topLevelComment": self.render_comment(t),
                            "canReply": True, "totalReplyCount": len(replies), "isPublic": True},
            }
            if want_replies and replies:
                thread["replies"] = {"comments": [self.render_comment(r) for r in replies[:5]]}
            items.append(thread)
        return FakeResponse(200, {"kind": "youtube#commentThreadListResponse", "etag": etag(vid), **meta, "items": items})

    def comments(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        parent = req.query.get("parentId")
        if parent:
            if parent not in self.world.comments:
                return yt_error("commentNotFound")
            rows = [r for r in self.world.replies_to(parent) if self._visible(r, "published")]
        else:
            ids = [i for i in req.query.get("id", "").split(",") if i]
            rows = [self.world.comments[i] for i in ids if i in self.world.comments and not self.world.comments[i].deleted]
        chunk, meta = _page(req, rows, 20, 100)
        return FakeResponse(200, {"kind": "youtube#commentListResponse", "etag": etag(parent), **meta,
                                  "items": [self.render_comment(c) for c in chunk]})

    def moderate(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        status = req.query.get("moderationStatus")
        if status not in ("heldForReview", "published", "rejected"):
            return yt_error("invalidModerationStatus", 400, "The moderationStatus parameter is not valid.")
        ids = [i for i in req.query.get("id", "").split(",") if i]
        for cid in ids:
            c = self.world.comments.get(cid)
            if c is None or c.deleted or c.platform != "youtube":
                return yt_error("commentNotFound")
        for cid in ids:
            c = self.world.comments[cid]
            c.status = status
            c.hidden = status != "published"
        return FakeResponse(204, None, {})
