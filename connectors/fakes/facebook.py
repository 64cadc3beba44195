"""Fake Facebook Graph API for Pages, in the shapes of the recorded payloads.

Serves, under ``/facebook/{version}``:

- ``GET /{page-id}/published_posts`` (also ``/posts``, ``/feed``): newest first, ``since``/
  ``until``, ``limit`` (≤100), ``after`` cursors, ``paging.next`` with ``access_token``
  echoed in it as Graph does.
- ``GET /{post-or-comment-id}/comments``: ``filter=stream|toplevel``, ``order``,
  ``since``, ``limit``, ``after``, ``summary``; hidden comments included with ``is_hidden``.
- ``GET /{id}``: a Page, post or comment node (``fields`` honoured at the top level).
- ``POST /{comment-id}`` ``is_hidden=true|false`` (or ``message``): ``{"success": true}``.
- ``DELETE /{id}``: ``{"success": true}``; afterwards the id answers Graph error 100.

Errors use Graph's envelope ``{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id"}}`` with the messages seen in recorded traffic.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from connectors.fakes.model import FakeComment, FakePost
from connectors.fakes.server import FakeRequest, FakeResponse, Handler, PlatformFake, Route

GRAPH_MESSAGES = {
    1: "An unknown error occurred",
    2: "(#2) Service temporarily unavailable",
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    100: "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded "
    "due to missing permissions, or does not support this operation.",
    190: "Error validating access token: Session has expired on Monday, 19-Jun-23 06:29:46 PDT. "
    "The current time is Tuesday, 04-Jul-23 02:11:32 PDT.",
    200: "(#200) Permissions error",
    613: "(#613) Calls to this api have exceeded the rate limit.",
}
TRANSIENT = {1, 2, 4, 17}


def graph_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def graph_error(code: int, *, subcode: int | None = None, status: int | None = None,
                message: str | None = None, estimated_minutes: float | None = None,
                object_id: str = "", account_id: str = "") -> FakeResponse:
    err: dict[str, Any] = {
        "message": (message or GRAPH_MESSAGES.get(code, f"(#{code}) Error")).replace("{id}", object_id),
        "type": "OAuthException" if code != 100 else "GraphMethodException",
        "code": code,
    }
    if code == 190 and subcode is None:
        subcode = 463
    if subcode is not None:
        err["error_subcode"] = subcode
    if code in TRANSIENT:
        err["is_transient"] = True
    err["fbtrace_id"] = base64.urlsafe_b64encode(secrets.token_bytes(16)).decode()[:23]
    headers: dict[str, str] = {"www-authenticate": 'OAuth "Facebook Platform" "invalid_token"'} if code == 190 else {}
    if code in (4, 17):
        headers["x-app-usage"] = json.dumps({"call_count": 100, "total_cputime": 23, "total_time": 41})
    if code in (32, 613) or 80001 <= code <= 80014 or estimated_minutes is not None:
        minutes = 5 if estimated_minutes is None else estimated_minutes
        headers["x-business-use-case-usage"] = json.dumps({
            account_id or "0": [{"type": "pages", "call_count": 100, "total_cputime": 12,
                                 "total_time": 30, "estimated_time_to_regain_access": minutes}]
        })
    return FakeResponse(status or (500 if code in (1, 2) else 400), {"error": err}, headers)


def top_fields(fields: str | None, default: Sequence[str]) -> list[str]:
    """Top-level names in a Graph ``fields`` list: ``a,b{c,d},e.limit(1)`` -> a, b, e."""
    if not fields:
        return list(default)
    names, depth, cur = [], 0, ""
    for ch in fields:
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        if ch == "," and depth == 0:
            names.append(cur)
            cur = ""
        else:
            cur += ch
    names.append(cur)
    out = []
    for n in names:
        n = re.split(r"[{.]", n.strip(), maxsplit=1)[0]
        if n:
            out.append(n)
    return out


def select(node: dict[str, Any], fields: str | None, default: Sequence[str]) -> dict[str, Any]:
    wanted = top_fields(fields, default)
    return {k: node[k] for k in ["id", *wanted] if k in node}


def encode_cursor(key: tuple[float, int]) -> str:
    return base64.urlsafe_b64encode(f"{key[0]!r}:{key[1]}".encode()).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[float, int] | None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        ts, seq = raw.rsplit(":", 1)
        return float(ts), int(seq)
    except (ValueError, UnicodeDecodeError):
        return None


def graph_page(req: FakeRequest, rows: list[Any], key: Callable[[Any], tuple[float, int]],
               render: Callable[[Any], dict[str, Any]], *, descending: bool,
               token: str | None, extra: dict[str, Any] | None = None,
               max_limit: int = 100) -> FakeResponse:
    """Cursor paging as Graph does it: ``data``, ``paging.cursors`` and ``paging.next``."""
    try:
        limit = max(1, min(int(req.query.get("limit", 25)), max_limit))
    except ValueError:
        return graph_error(100, message="(#100) The parameter limit must be an integer")
    rows = sorted(rows, key=key, reverse=descending)
    after = req.query.get("after")
    if after:
        pos = decode_cursor(after)
        if pos is None:
            return graph_error(100, message="(#100) Invalid cursor")
        rows = [r for r in rows if (key(r) < pos if descending else key(r) > pos)]
    page, more = rows[:limit], len(rows) > limit
    body: dict[str, Any] = {"data": [render(r) for r in page]}
    if page:
        paging: dict[str, Any] = {
            "cursors": {"before": encode_cursor(key(page[0])), "after": encode_cursor(key(page[-1]))}
        }
        if more:
            q = {k: v for k, v in req.query.items() if k not in ("after", "before", "access_token")}
            q["after"] = paging["cursors"]["after"]
            if token:
                q["access_token"] = token  # Graph echoes the token into its paging links
            paging["next"] = f"{req.base}{req.path}?{urlencode(q)}"
        body["paging"] = paging
    if extra:
        body.update(extra)
    return FakeResponse(200, body)


def graph_token(req: FakeRequest) -> str | None:
    return req.query.get("access_token") or req.bearer()


def _since_until(req: FakeRequest) -> tuple[float | None, float | None]:
    def num(name: str) -> float | None:
        v = req.query.get(name)
        return float(v) if v and v.replace(".", "", 1).isdigit() else None
    return num("since"), num("until")


class GraphFake(PlatformFake):
    """What the Graph fakes share (Facebook Pages, Instagram): ``/{version}/{id}[/{edge}]``
    routes, the token in the query or a bearer header, and Graph's error envelope.

    A subclass lists its ``edges`` and implements ``node``, ``update`` and ``delete``.
    """

    VERSION = r"/v\d+\.\d+"
    #: Graph's message for a token that was valid once (code 190, subcode 460).
    INVALIDATED_MESSAGE = "Error validating access token: The session has been invalidated."

    def edges(self) -> list[tuple[str, Handler]]:
        """(edge name or regex, handler) for ``GET /{version}/{id}/{edge}``."""
        raise NotImplementedError

    def node(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        raise NotImplementedError

    def update(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        raise NotImplementedError

    def delete(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        raise NotImplementedError

    def routes(self) -> list[Route]:
        v = self.VERSION
        return [
            *(Route("GET", re.compile(rf"^{v}/(?P<id>[^/]+)/{edge}/?$"), handler) for edge, handler in self.edges()),
            Route("GET", re.compile(rf"^{v}/(?P<id>[^/]+)/?$"), self.node),
            Route("POST", re.compile(rf"^{v}/(?P<id>[^/]+)/?$"), self.update),
            Route("DELETE", re.compile(rf"^{v}/(?P<id>[^/]+)/?$"), self.delete),
        ]

    def authenticate(self, req: FakeRequest) -> FakeResponse | None:
        token = graph_token(req)
        if not token:
            return graph_error(104, message="An access token is required to request this resource.")
        if not self.world.token_ok(self.name, token):
            return graph_error(190, subcode=460, message=self.INVALIDATED_MESSAGE)
        return None

    def failure(self, kind: str, opts: dict[str, Any]) -> FakeResponse:
        code = int(opts.get("code", 4))
        return graph_error(code, subcode=opts.get("subcode"), status=opts.get("status"),
                           estimated_minutes=opts.get("estimated_minutes"),
                           account_id=str(opts.get("account_id", "")))


class FacebookFake(GraphFake):
    name = "facebook"
    INVALIDATED_MESSAGE = ("Error validating access token: The session has been invalidated because the user "
                           "changed their password or Facebook has changed the session for security reasons.")

    def edges(self) -> list[tuple[str, Handler]]:
        return [("(?:published_posts|posts|feed)", self.posts), ("comments", self.comments)]

    # -- rendering ----------------------------------------------------------------------
    def render_post(self, p: FakePost) -> dict[str, Any]:
        acc = self.world.account("facebook", p.account_id)
        suffix = p.id.split("_")[-1]
        node: dict[str, Any] = {
            "id": p.id,
            "created_time": graph_time(p.created),
            "updated_time": graph_time(p.updated),
            "permalink_url": f"https://www.facebook.com/{p.account_id}/posts/{suffix}",
            "from": {"id": p.account_id, "name": acc.name if acc else ""},
            "status_type": "added_photos" if p.media_url else "mobile_status_update",
            "is_published": True,
        }
        if p.text:
            node["message"] = p.text
        if p.media_url:
            node["full_picture"] = p.media_url
            node["attachments"] = {"data": [{
                "media": {"image": {"height": 720, "src": p.media_url, "width": 720}},
                "media_type": "photo", "type": "photo",
                "url": f"https://www.facebook.com/{p.account_id}/photos/{suffix}/",
            }]}
        return node

    def render_comment(self, c: FakeComment) -> dict[str, Any]:
        post = self.world.posts[c.post_id]
        suffix = post.id.split("_")[-1]
        own = c.id.split("_")[-1]
        top = c.parent_id.split("_")[-1] if c.parent_id else own
        link = f"https://www.facebook.com/{post.account_id}/posts/{suffix}/?comment_id={top}"
        if c.parent_id:
            link += f"&reply_comment_id={own}"
        node: dict[str, Any] = {
            "id": c.id,
            "created_time": graph_time(c.created),
            "from": {"id": c.author_id, "name": c.author_name},
            "message": c.text,
            "permalink_url": link,
            "is_hidden": c.hidden,
            "comment_count": len([r for r in self.world.replies_to(c.id)]),
            "like_count": 0,
            "can_hide": True,
        }
        if c.parent_id:
            node["parent"] = {"id": c.parent_id, "created_time": graph_time(self.world.comments[c.parent_id].created)}
        if c.media_url:
            node["attachment"] = {"type": "photo", "media": {"image": {"height": 720, "src": c.media_url, "width": 720}}}
        return node

    # -- handlers -----------------------------------------------------------------------
    def posts(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        page_id = m["id"]
        if self.world.account("facebook", page_id) is None:
            return graph_error(100, object_id=page_id)
        since, until = _since_until(req)
        rows = [p for p in self.world.posts_of("facebook", page_id)
                if (since is None or p.created >= since) and (until is None or p.created <= until)]
        fields = req.query.get("fields")
        default = ("id", "message", "created_time")
        return graph_page(req, rows, lambda p: (p.created, p.seq),
                          lambda p: select(self.render_post(p), fields, default),
                          descending=True, token=graph_token(req))

    def comments(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        oid = m["id"]
        if oid in self.world.posts and not self.world.posts[oid].deleted:
            rows = self.world.comments_on(oid)
            if req.query.get("filter", "toplevel") != "stream":
                rows = [c for c in rows if c.parent_id is None]
        elif oid in self.world.comments and not self.world.comments[oid].deleted:
            rows = self.world.replies_to(oid)
        else:
            return graph_error(100, object_id=oid)
        since, until = _since_until(req)
        rows = [c for c in rows if (since is None or c.created >= since) and (until is None or c.created <= until)]
        order = req.query.get("order", "chronological")
        fields = req.query.get("fields")
        extra = None
        if req.query.get("summary") in ("1", "true"):
            extra = {"summary": {"order": order, "total_count": len(rows), "can_comment": True}}
        return graph_page(req, rows, lambda c: (c.created, c.seq),
                          lambda c: select(self.render_comment(c), fields, ("created_time", "from", "message")),
                          descending=order == "reverse_chronological", token=graph_token(req), extra=extra)

    def node(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        oid, fields = m["id"], req.query.get("fields")
        if oid in self.world.posts and not self.world.posts[oid].deleted:
            return FakeResponse(200, select(self.render_post(self.world.posts[oid]), fields, ("message", "created_time")))
        if oid in self.world.comments and not self.world.comments[oid].deleted:
            return FakeResponse(200, select(self.render_comment(self.world.comments[oid]), fields, ("created_time", "from", "message")))
        acc = self.world.account("facebook", oid)
        if acc is not None:
            return FakeResponse(200, select({"id": acc.id, "name": acc.name, "username": acc.handle}, fields, ("name",)))
        return graph_error(100, object_id=oid)

    def update(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        oid = m["id"]
        c = self.world.comments.get(oid)
        if c is None or c.deleted:
            return graph_error(100, object_id=oid)
        args = {**req.query, **req.form()}
        if "is_hidden" in args:
            c.hidden = str(args["is_hidden"]).lower() in ("true", "1")
        if "message" in args:
            c.text = str(args["message"])
        return FakeResponse(200, {"success": True})

    def delete(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        oid = m["id"]
        target = self.world.comments.get(oid) or self.world.posts.get(oid)
        if target is None or target.deleted:
            return graph_error(100, object_id=oid)
        target.deleted = True
        return FakeResponse(200, {"success": True})
