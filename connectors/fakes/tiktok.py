"""Fake TikTok API for Business (v1.3) under ``/tiktok/open_api/v1.3``.

``business/video/list/``, ``business/comment/list/`` (newest first, ``status``
PUBLIC|HIDDEN|ALL), ``business/comment/reply/list/`` and ``business/comment/hide/``,
each answering in the ``{"code", "message", "request_id", "data"}`` envelope with
``cursor``/``has_more`` paging; errors are non-zero codes with HTTP 200, as TikTok does.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from connectors.fakes.model import FakeComment
from connectors.fakes.server import FakeRequest, FakeResponse, PlatformFake, Route

MESSAGES = {40100: "Too many requests. Please retry in some time.",
            40105: "The access token is invalid or has expired.",
            40002: "Parameter error", 50002: "Internal service error"}


def envelope(data: Any = None, code: int = 0, message: str = "OK") -> FakeResponse:
    body: dict[str, Any] = {"code": code, "message": message, "request_id": secrets.token_hex(16)}
    body["data"] = data if data is not None else {}
    return FakeResponse(200, body)


class TikTokFake(PlatformFake):
    name = "tiktok"

    def routes(self) -> list[Route]:
        b = r"^/open_api/v1\.3/business"
        return [
            Route("GET", re.compile(b + r"/video/list/?$"), self.videos),
            Route("GET", re.compile(b + r"/comment/list/?$"), self.comments),
            Route("GET", re.compile(b + r"/comment/reply/list/?$"), self.replies),
            Route("POST", re.compile(b + r"/comment/hide/?$"), self.hide),
        ]

    def authenticate(self, req: FakeRequest) -> FakeResponse | None:
        if not self.world.token_ok(self.name, req.headers.get("access-token")):
            return envelope(code=40105, message=MESSAGES[40105])
        return None

    def failure(self, kind: str, opts: dict[str, Any]) -> FakeResponse:
        code = int(opts.get("code", 40100))
        return envelope(code=code, message=MESSAGES.get(code, "error"))

    def render_comment(self, c: FakeComment) -> dict[str, Any]:
        post = self.world.posts[c.post_id]
        node: dict[str, Any] = {
            "comment_id": c.id, "video_id": c.post_id, "unique_identifier": c.author_id, "user_id": c.author_id,
            "create_time": str(int(c.created)), "text": c.text, "likes": 0,
            "replies": len([r for r in self.world.replies_to(c.id)]) if not c.parent_id else 0,
            "owner": c.author_id == post.account_id, "liked": False, "pinned": False,
            "status": "HIDDEN" if c.hidden else "PUBLIC", "username": c.author_handle,
            "display_name": c.author_name, "profile_image": "https://p16.tiktokcdn.com/avatar.jpeg",
        }
        if c.parent_id:
            node["parent_comment_id"] = c.parent_id
        return node

    def _page(self, req: FakeRequest, rows: list[Any], cap: int, key: str, render: Any) -> FakeResponse:
        try:
            size = max(1, min(int(req.query.get("max_count", 20)), cap))
            start = int(req.query.get("cursor") or 0)
        except ValueError:
            return envelope(code=40002, message="Parameter error: cursor/max_count")
        chunk = rows[start:start + size]
        more = start + size < len(rows)
        return envelope({key: [render(r) for r in chunk], "cursor": start + len(chunk), "has_more": more})

    def _status(self, req: FakeRequest, c: FakeComment) -> bool:
        wanted = req.query.get("status", "PUBLIC").upper()
        return not c.deleted and (wanted == "ALL" or (wanted == "HIDDEN") == c.hidden)

    def videos(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        bid = req.query.get("business_id", "")
        if self.world.account("tiktok", bid) is None:
            return envelope(code=40002, message="business_id: invalid")
        videos = list(reversed(self.world.posts_of("tiktok", bid)))

        def render(p: Any) -> dict[str, Any]:
            return {"item_id": p.id, "create_time": str(int(p.created)), "caption": p.text,
                    "share_url": f"https://www.tiktok.com/@{self.world.account('tiktok', bid).handle}/video/{p.id}",  # type: ignore[union-attr]
                    "thumbnail_url": p.media_url or f"https://p16.tiktokcdn.com/obj/{p.id}.jpeg",
                    "comments": len(self.world.comments_on(p.id))}

        return self._page(req, videos, 20, "videos", render)

    def comments(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        vid = req.query.get("video_id", "")
        post = self.world.posts.get(vid)
        if post is None or post.platform != "tiktok":
            return envelope(code=40002, message="video_id: Missing data for required field.")
        rows = [c for c in self.world.comments_on(vid) if c.parent_id is None and self._status(req, c)]
        rows.sort(key=lambda c: (c.created, c.seq), reverse=req.query.get("sort_order", "DESC").upper() == "DESC")
        return self._page(req, rows, 30, "comments", self.render_comment)

    def replies(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        cid = req.query.get("comment_id", "")
        if cid not in self.world.comments:
            return envelope(code=40002, message="comment_id: invalid")
        rows = [r for r in self.world.replies_to(cid) if self._status(req, r)]
        rows.sort(key=lambda c: (c.created, c.seq), reverse=req.query.get("sort_order", "ASC").upper() == "DESC")
        return self._page(req, rows, 30, "comments", self.render_comment)

    def hide(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        body = req.json() or {}
        if not body.get("video_id"):
            return envelope(code=40002, message="video_id: Missing data for required field.")
        c = self.world.comments.get(str(body.get("comment_id")))
        if c is None or c.deleted or c.post_id != str(body["video_id"]):
            return envelope(code=40002, message="comment_id: invalid")
        action = str(body.get("action", "")).upper()
        if action not in ("HIDE", "UNHIDE"):
            return envelope(code=40002, message="action: must be HIDE or UNHIDE")
        c.hidden = action == "HIDE"
        return envelope({})
