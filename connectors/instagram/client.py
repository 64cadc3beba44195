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

from connectors.facebook.client import DEFAULT_BASE_URL, DEFAULT_VERSION, PAGE_LIMIT
from connectors.http import ApiClient, json_object
from connectors.paging import PageTokens
from monitor.errors import MalformedResponse

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_VERSION", "PERMISSIONS", "InstagramClient"]

PERMISSIONS = "instagram_basic, instagram_manage_comments and pages_read_engagement"
MEDIA_FIELDS = "id,caption,media_type,media_url,thumbnail_url,permalink,timestamp,username,comments_count"
_COMMENT = "id,text,timestamp,username,from{id,username},hidden,like_count,parent_id"
COMMENT_FIELDS = f"{_COMMENT},media{{id}},replies{{{_COMMENT}}}"


class InstagramClient:
    def __init__(self, api: ApiClient, *, version: str = DEFAULT_VERSION) -> None:
        self.api = api
        self.version = version

    def _path(self, *parts: str) -> str:
        return "/".join((self.version, *parts))

    def _pages(self, path: str, params: dict[str, Any], what: str) -> Iterator[list[dict[str, Any]]]:
        tokens = PageTokens(what, account=self.api.account)
        url: str | None = path
        query: dict[str, Any] | None = params
        while url:
            page = json_object(self.api.get(url, query), client=self.api, what=what)
            data = page.get("data")
            if not isinstance(data, list):
                raise self.api.error(MalformedResponse, f"{what}: response has no data list")
            yield [d for d in data if isinstance(d, dict)]
            paging: dict[str, Any] = page["paging"] if isinstance(page.get("paging"), dict) else {}
            nxt = paging.get("next")
            after = (paging.get("cursors") or {}).get("after")
            if not nxt or not tokens.advance(after or nxt):
                return
            url, query = nxt, None

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

    def delete(self, comment_id: str) -> Any:
        return self.api.request("DELETE", self._path(comment_id))
