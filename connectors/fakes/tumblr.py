"""Fake Tumblr API v2 under ``/tumblr/v2``: a blog's posts (NPF) and their notes.

Posts are ``FakePost``s (account id = blog name); replies are ``FakeComment``s whose
``author_handle`` is the replying blog. ``/notes?mode=conversation`` lists replies
newest first with ``_links.next`` by ``before_timestamp``; ``note_count`` on a post
counts them. Answers use Tumblr's ``{"meta", "response"}`` envelope.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from connectors.fakes.model import FakeComment, FakePost
from connectors.fakes.server import FakeRequest, FakeResponse, PlatformFake, Route

NOTES_PAGE = 50


def tumblr(status: int, response: Any, msg: str = "OK", errors: list[dict[str, Any]] | None = None,
           headers: dict[str, str] | None = None) -> FakeResponse:
    body: dict[str, Any] = {"meta": {"status": status, "msg": msg}, "response": response}
    if errors:
        body["errors"] = errors
    return FakeResponse(status, body, headers or {})


class TumblrFake(PlatformFake):
    name = "tumblr"

    def routes(self) -> list[Route]:
        return [
            Route("GET", re.compile(r"^/v2/blog/(?P<blog>[^/]+)/posts/?$"), self.posts),
            Route("GET", re.compile(r"^/v2/blog/(?P<blog>[^/]+)/notes/?$"), self.notes),
        ]

    def authenticate(self, req: FakeRequest) -> FakeResponse | None:
        if not self.world.token_ok(self.name, req.bearer()):
            return tumblr(401, [], "Unauthorized", [{"title": "Unauthorized", "code": 1016,
                                                     "detail": "Unable to authorize"}])
        return None

    def failure(self, kind: str, opts: dict[str, Any]) -> FakeResponse:
        if kind == "rate_limit":
            return tumblr(429, [], "Limit Exceeded", [{"title": "Limit Exceeded", "code": 0,
                                                       "detail": "Rate limit exceeded"}],
                          {"retry-after": str(opts.get("retry_after", 60))})
        status = int(opts.get("status", 401))
        return tumblr(status, [], "Error", [{"title": "Error", "code": 0, "detail": "error"}])

    def _blog(self, name: str) -> str:
        return name.removesuffix(".tumblr.com")

    def render_post(self, p: FakePost) -> dict[str, Any]:
        content: list[dict[str, Any]] = [{"type": "text", "text": p.text}]
        if p.media_url:
            content.append({"type": "image", "media": [{"url": p.media_url, "width": 1280, "height": 960}]})
        return {
            "object_type": "post", "type": "blocks", "id": int(p.id), "id_string": p.id,
            "blog_name": p.account_id, "post_url": f"https://{p.account_id}.tumblr.com/post/{p.id}",
            "timestamp": int(p.created),
            "date": datetime.fromtimestamp(p.created, tz=UTC).strftime("%Y-%m-%d %H:%M:%S GMT"),
            "summary": p.text[:100], "note_count": len(self.world.comments_on(p.id)), "content": content,
            "layout": [], "tags": [],
        }

    def render_note(self, c: FakeComment) -> dict[str, Any]:
        return {"type": "reply", "timestamp": int(c.created), "blog_name": c.author_handle,
                "blog_uuid": f"t:{c.author_id}", "blog_url": f"https://{c.author_handle}.tumblr.com/",
                "followed": False, "avatar_shape": "square", "reply_text": c.text, "formatting": []}

    def posts(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        blog = self._blog(m["blog"])
        if self.world.account("tumblr", blog) is None:
            return tumblr(404, [], "Not Found", [{"title": "Not Found", "code": 0, "detail": "Blog not found"}])
        rows = list(reversed(self.world.posts_of("tumblr", blog)))
        limit = max(1, min(int(req.query.get("limit", 20)), 20))
        offset = int(req.query.get("offset", 0))
        chunk = rows[offset:offset + limit]
        resp: dict[str, Any] = {"blog": {"name": blog}, "posts": [self.render_post(p) for p in chunk],
                                "total_posts": len(rows)}
        if offset + limit < len(rows):
            resp["_links"] = {"next": {"href": f"/v2/blog/{blog}/posts?npf=true&offset={offset + limit}",
                                       "method": "GET", "query_params": {"npf": "true", "offset": str(offset + limit)}}}
        return tumblr(200, resp)

    def notes(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        post = self.world.posts.get(req.query.get("id", ""))
        if post is None or post.platform != "tumblr" or post.account_id != self._blog(m["blog"]):
            return tumblr(404, [], "Not Found", [{"title": "Not Found", "code": 0, "detail": "Post not found"}])
        before = req.query.get("before_timestamp")
        rows = [c for c in reversed(self.world.comments_on(post.id)) if before is None or c.created < float(before)]
        chunk = rows[:NOTES_PAGE]
        resp: dict[str, Any] = {"notes": [self.render_note(c) for c in chunk], "rollup_notes": [],
                                "total_notes": len(self.world.comments_on(post.id)), "total_likes": 0,
                                "total_reblogs": 0}
        if len(rows) > NOTES_PAGE:
            ts = str(int(chunk[-1].created))
            resp["_links"] = {"next": {"href": f"/v2/blog/{post.account_id}/notes?id={post.id}&mode=conversation&before_timestamp={ts}",
                                       "method": "GET", "query_params": {"id": post.id, "mode": "conversation",
                                                                         "before_timestamp": ts}}}
        return tumblr(200, resp)
