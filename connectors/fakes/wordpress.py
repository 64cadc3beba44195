"""Fake WordPress REST API under ``/wordpress/wp-json/wp/v2``.

Posts are ``FakePost``s and comments ``FakeComment``s with ``status`` approved | hold |
spam | trash. ``GET /posts`` and ``GET /comments`` page with ``page``/``per_page`` and the
``X-WP-Total``/``X-WP-TotalPages`` headers; ``status`` other than approve needs
authentication (HTTP Basic with an Application Password), as on a real site.
``POST /comments/{id}`` changes the status; ``DELETE /comments/{id}`` moves it to the bin
(``force=true`` deletes it).
"""

from __future__ import annotations

import base64
import math
import re
from datetime import UTC, datetime
from typing import Any

from connectors.fakes.model import FakeComment, FakePost
from connectors.fakes.server import FakeRequest, FakeResponse, PlatformFake, Route

STATUS_ALIASES = {"approve": "approved", "approved": "approved", "hold": "hold", "spam": "spam", "trash": "trash"}


def wp_error(code: str, message: str, status: int) -> FakeResponse:
    return FakeResponse(status, {"code": code, "message": message, "data": {"status": status}})


def wp_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")


class WordPressFake(PlatformFake):
    name = "wordpress"

    def routes(self) -> list[Route]:
        b = r"^/wp-json/wp/v2"
        return [
            Route("GET", re.compile(b + r"/posts/?$"), self.posts),
            Route("GET", re.compile(b + r"/comments/?$"), self.comments),
            Route("POST", re.compile(b + r"/comments/(?P<id>\d+)/?$"), self.update),
            Route("DELETE", re.compile(b + r"/comments/(?P<id>\d+)/?$"), self.delete),
        ]

    def _user(self, req: FakeRequest) -> str | None:
        auth = req.headers.get("authorization", "")
        if not auth.startswith("Basic "):
            return None
        try:
            return base64.b64decode(auth[6:]).decode()
        except ValueError:
            return None

    def authenticate(self, req: FakeRequest) -> FakeResponse | None:
        token = self._user(req)
        if token is not None and not self.world.token_ok(self.name, token):
            return wp_error("incorrect_password", "The provided password is an invalid application password.", 401)
        return None

    def failure(self, kind: str, opts: dict[str, Any]) -> FakeResponse:
        if kind == "rate_limit":
            return FakeResponse(429, "Too Many Requests", {"retry-after": str(opts.get("retry_after", 120)),
                                                           "content-type": "text/html"})
        return wp_error(opts.get("code", "rest_forbidden"), opts.get("message", "Sorry, you are not allowed to do that."),
                        int(opts.get("status", 401)))

    def _site(self) -> str:
        return f"{self.server.url}/wordpress"

    def render_post(self, p: FakePost) -> dict[str, Any]:
        link = f"{self._site()}/?p={p.id}"
        return {
            "id": int(p.id), "date": wp_time(p.created), "date_gmt": wp_time(p.created),
            "guid": {"rendered": link}, "modified": wp_time(p.updated), "modified_gmt": wp_time(p.updated),
            "slug": re.sub(r"[^a-z0-9]+", "-", (p.title or p.text[:40]).lower()).strip("-"),
            "status": "publish", "type": "post", "link": link,
            "title": {"rendered": p.title or p.text[:60]},
            "content": {"rendered": f"<p>{p.text}</p>\n", "protected": False},
            "excerpt": {"rendered": f"<p>{p.text[:55]}</p>\n", "protected": False},
            "author": 1, "featured_media": 0, "comment_status": "closed" if p.comments_disabled else "open",
            "ping_status": "open", "sticky": False, "template": "", "format": "standard", "meta": [],
            "categories": [1], "tags": [],
        }

    def render_comment(self, c: FakeComment) -> dict[str, Any]:
        staff = c.author_id == "1"
        return {
            "id": int(c.id), "post": int(c.post_id), "parent": int(c.parent_id or 0), "author": 1 if staff else 0,
            "author_name": c.author_name, "author_url": "", "date": wp_time(c.created), "date_gmt": wp_time(c.created),
            "content": {"rendered": f"<p>{c.text}</p>\n"}, "link": f"{self._site()}/?p={c.post_id}#comment-{c.id}",
            "status": "trash" if c.deleted else c.status, "type": "comment",
            "author_avatar_urls": {"24": "http://2.gravatar.com/avatar/0?s=24&d=mm&r=g"}, "meta": [],
        }

    def _paged(self, req: FakeRequest, rows: list[Any], render: Any) -> FakeResponse:
        try:
            per_page = int(req.query.get("per_page", 10))
            page = int(req.query.get("page", 1))
        except ValueError:
            return wp_error("rest_invalid_param", "Invalid parameter(s): per_page", 400)
        if not 1 <= per_page <= 100:
            return wp_error("rest_invalid_param", "Invalid parameter(s): per_page", 400)
        total_pages = max(1, math.ceil(len(rows) / per_page)) if rows else 0
        if page > max(total_pages, 1):
            return wp_error("rest_post_invalid_page_number",
                            "The page number requested is larger than the number of pages available.", 400)
        chunk = rows[(page - 1) * per_page: page * per_page]
        return FakeResponse(200, [render(r) for r in chunk],
                            {"x-wp-total": str(len(rows)), "x-wp-totalpages": str(total_pages)})

    @staticmethod
    def _order(req: FakeRequest, rows: list[Any], default: str) -> list[Any]:
        by = req.query.get("orderby", default)
        key = (lambda r: int(r.id)) if by == "id" else (lambda r: (r.created, r.seq))
        return sorted(rows, key=key, reverse=req.query.get("order", "desc") == "desc")

    def posts(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        rows = [p for p in self.world.posts.values() if p.platform == "wordpress" and not p.deleted]
        return self._paged(req, self._order(req, rows, "date"), self.render_post)

    def comments(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        wanted = req.query.get("status", "approve")
        if (wanted != "approve" or req.query.get("context") == "edit") and self._user(req) is None:
            return wp_error("rest_forbidden_param", "Query parameter not permitted: status", 401)
        status = STATUS_ALIASES.get(wanted)
        rows = [c for c in self.world.comments.values() if c.platform == "wordpress"
                and ("trash" if c.deleted else c.status) == status]
        if req.query.get("post"):
            rows = [c for c in rows if c.post_id == req.query["post"]]
        return self._paged(req, self._order(req, rows, "date_gmt"), self.render_comment)

    def update(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        if self._user(req) is None:
            return wp_error("rest_cannot_edit", "Sorry, you are not allowed to edit this comment.", 401)
        c = self.world.comments.get(m["id"])
        if c is None or c.platform != "wordpress" or c.deleted:
            return wp_error("rest_comment_invalid_id", "Invalid comment ID.", 404)
        args = req.json() if "json" in req.headers.get("content-type", "") else req.form()
        status = STATUS_ALIASES.get(str((args or {}).get("status", c.status)))
        if status is None:
            return wp_error("rest_invalid_param", "Invalid parameter(s): status", 400)
        c.status = status
        c.hidden = status != "approved"
        return FakeResponse(200, self.render_comment(c))

    def delete(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        if self._user(req) is None:
            return wp_error("rest_cannot_delete", "Sorry, you are not allowed to delete this comment.", 401)
        c = self.world.comments.get(m["id"])
        if c is None or c.platform != "wordpress" or c.deleted:
            return wp_error("rest_comment_invalid_id", "Invalid comment ID.", 404)
        c.deleted = True
        c.hidden = True
        if req.query.get("force") in ("true", "1"):
            return FakeResponse(200, {"deleted": True, "previous": self.render_comment(c)})
        return FakeResponse(200, self.render_comment(c))
