"""Wire client for the Instagram Graph API (a professional account linked to a Page).

- ``GET /{ig-user-id}/media?fields=..`` newest first, cursor paged
- ``GET /{media-id}/comments?fields=..,replies{..}`` top-level comments with replies
- ``GET /{comment-id}/replies`` when a comment has more replies than came nested
- ``GET /{ig-user-id}?fields=mentioned_comment.comment_id(..){..}`` for ``mentions``
- ``POST /{comment-id}?hide=true|false``; ``DELETE /{comment-id}``

Errors share Graph's envelope, so ``graph_interpreter`` maps them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.facebook.client import DEFAULT_BASE_URL, DEFAULT_VERSION, PAGE_LIMIT, GraphApiClient
from connectors.http import json_object

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_VERSION", "PERMISSIONS", "InstagramClient"]

PERMISSIONS = "instagram_basic, instagram_manage_comments and pages_read_engagement"
MEDIA_FIELDS = "id,caption,media_type,media_url,thumbnail_url,permalink,timestamp,username,comments_count"
_COMMENT = "id,text,timestamp,username,from{id,username},hidden,like_count,parent_id"
COMMENT_FIELDS = f"{_COMMENT},media{{id}},replies{{{_COMMENT}}}"


class InstagramClient(GraphApiClient):
    """Typed calls against the Instagram Graph API; paging and ``delete`` are Graph's."""

    def media(self, user_id: str, *, limit: int = 50) -> Iterator[list[dict[str, Any]]]:
        return self._pages(self._path(user_id, "media"), {"fields": MEDIA_FIELDS, "limit": limit},
                           f"{user_id}/media")

    def comments(self, media_id: str) -> Iterator[list[dict[str, Any]]]:
        return self._pages(self._path(media_id, "comments"),
                           {"fields": COMMENT_FIELDS, "limit": PAGE_LIMIT}, f"{media_id}/comments")

    def replies(self, comment_id: str) -> Iterator[list[dict[str, Any]]]:
        return self._pages(self._path(comment_id, "replies"),
                           {"fields": _COMMENT, "limit": PAGE_LIMIT}, f"{comment_id}/replies")

    def mentioned_comment(self, user_id: str, comment_id: str) -> dict[str, Any]:
        fields = f"mentioned_comment.comment_id({comment_id}){{id,text,timestamp,username,from{{id,username}},media{{id}}}}"
        body = json_object(self.api.get(self._path(user_id), {"fields": fields}), client=self.api,
                           what="mentioned_comment")
        found = body.get("mentioned_comment")
        return found if isinstance(found, dict) else {}

    def set_hidden(self, comment_id: str, hidden: bool) -> Any:
        return self.api.request("POST", self._path(comment_id), params={"hide": "true" if hidden else "false"})
