"""Fake Instagram Graph API under ``/instagram/{version}``.

``GET /{ig-user-id}/media`` (newest first, cursor paged, ``comments_count`` includes
replies), ``GET /{media-id}/comments`` (top-level, newest first, ``replies{..}`` nested
up to 25 with a ``paging.next`` beyond), ``GET /{comment-id}/replies``, ``GET
/{ig-user-id}?fields=mentioned_comment.comment_id(X){..}``, ``POST /{comment-id}?hide=``
and ``DELETE /{comment-id}``. Errors are Graph's envelope (shared with the Facebook fake).
"""

from __future__ import annotations

import re
from typing import Any

from connectors.fakes.facebook import (
    GraphFake,
    graph_error,
    graph_page,
    graph_time,
    graph_token,
    select,
)
from connectors.fakes.model import FakeComment, FakePost
from connectors.fakes.server import FakeRequest, FakeResponse, Handler

NESTED_REPLIES = 25


class InstagramFake(GraphFake):
    name = "instagram"

    def edges(self) -> list[tuple[str, Handler]]:
        return [("media", self.media), ("comments", self.comments), ("replies", self.replies)]

    def failure(self, kind: str, opts: dict[str, Any]) -> FakeResponse:
        return graph_error(int(opts.get("code", 4)), subcode=opts.get("subcode"), status=opts.get("status"),
                           estimated_minutes=opts.get("estimated_minutes"))

    def render_media(self, p: FakePost) -> dict[str, Any]:
        acc = self.world.account("instagram", p.account_id)
        count = len(self.world.comments_on(p.id))
        node: dict[str, Any] = {
            "id": p.id, "caption": p.text, "media_type": "VIDEO" if p.media_type == "video" else "IMAGE",
            "permalink": f"https://www.instagram.com/p/C{p.seq:010d}/", "timestamp": graph_time(p.created),
            "username": acc.handle if acc else "", "comments_count": count, "like_count": 0,
        }
        if p.media_url:
            node["media_url"] = p.media_url
        return node

    def render_comment(self, c: FakeComment, fields: str | None = None) -> dict[str, Any]:
        node: dict[str, Any] = {
            "id": c.id, "text": c.text, "timestamp": graph_time(c.created), "username": c.author_handle,
            "from": {"id": c.author_id, "username": c.author_handle}, "hidden": c.hidden, "like_count": 0,
            "media": {"id": c.post_id},
        }
        if c.parent_id:
            node["parent_id"] = c.parent_id
        else:
            replies = self.world.replies_to(c.id)
            data: dict[str, Any] = {"data": [self.render_comment(r) for r in replies[:NESTED_REPLIES]]}
            if len(replies) > NESTED_REPLIES:
                data["paging"] = {"next": f"{self.server.url}/instagram/v21.0/{c.id}/replies?limit={NESTED_REPLIES}"}
            if replies:
                node["replies"] = data
        return node if fields is None else select(node, fields, ("id", "text", "timestamp"))

    def media(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        uid = m["id"]
        if self.world.account("instagram", uid) is None:
            return graph_error(100, object_id=uid)
        fields = req.query.get("fields")
        return graph_page(req, self.world.posts_of("instagram", uid), lambda p: (p.created, p.seq),
                          lambda p: select(self.render_media(p), fields, ("id",)), descending=True,
                          token=graph_token(req))

    def comments(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        mid = m["id"]
        post = self.world.posts.get(mid)
        if post is None or post.deleted or post.platform != "instagram":
            return graph_error(100, object_id=mid)
        tops = [c for c in self.world.comments_on(mid) if c.parent_id is None]
        fields = req.query.get("fields")
        return graph_page(req, tops, lambda c: (c.created, c.seq), lambda c: self.render_comment(c, fields),
                          descending=True, token=graph_token(req), max_limit=50)

    def replies(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        cid = m["id"]
        if cid not in self.world.comments or self.world.comments[cid].deleted:
            return graph_error(100, object_id=cid)
        fields = req.query.get("fields")
        return graph_page(req, self.world.replies_to(cid), lambda c: (c.created, c.seq),
                          lambda c: self.render_comment(c, fields), descending=False, token=graph_token(req))

    def node(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        oid, fields = m["id"], req.query.get("fields") or ""
        mention = re.search(r"mentioned_comment\.comment_id\((?P<cid>[^)]+)\)", fields)
        if mention and self.world.account("instagram", oid) is not None:
            c = self.world.comments.get(mention["cid"])
            if c is None or c.deleted:
                return graph_error(100, object_id=mention["cid"])
            return FakeResponse(200, {"mentioned_comment": self.render_comment(c), "id": oid})
        if oid in self.world.comments and not self.world.comments[oid].deleted:
            return FakeResponse(200, self.render_comment(self.world.comments[oid], fields or None))
        if oid in self.world.posts and not self.world.posts[oid].deleted:
            return FakeResponse(200, select(self.render_media(self.world.posts[oid]), fields or None, ("id",)))
        return graph_error(100, object_id=oid)

    def update(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        c = self.world.comments.get(m["id"])
        if c is None or c.deleted:
            return graph_error(100, object_id=m["id"])
        args = {**req.query, **req.form()}
        if "hide" in args:
            c.hidden = str(args["hide"]).lower() in ("true", "1")
        return FakeResponse(200, {"success": True})

    def delete(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        c = self.world.comments.get(m["id"])
        if c is None or c.deleted:
            return graph_error(100, object_id=m["id"])
        c.deleted = True
        return FakeResponse(200, {"success": True})
