"""Wire client for the TikTok API for Business (accounts API, v1.3), for an owned account.

- ``GET /open_api/v1.3/business/video/list/?business_id=&fields=[..]&cursor=&max_count=``
- ``GET /open_api/v1.3/business/comment/list/?business_id=&video_id=&status=ALL&sort_field=create_time&sort_order=DESC``
- ``GET /open_api/v1.3/business/comment/reply/list/?business_id=&video_id=&comment_id=``
- ``POST /open_api/v1.3/business/comment/hide/ {business_id, video_id, comment_id, action: HIDE|UNHIDE}``

The token travels in the ``Access-Token`` header. Every answer is an envelope
``{"code": 0, "message": "OK", "request_id": .., "data": {..}}``; a non-zero ``code`` is an
error even with HTTP 200, and paging is ``data.cursor`` + ``data.has_more``.
TikTok lets an account delete only its own comments, so others' are hidden instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from connectors.http import ApiClient, json_object
from connectors.paging import PageTokens
from monitor.errors import CredentialsRejected, MalformedResponse, RateLimited, SourceUnavailable

DEFAULT_BASE_URL = "https://business-api.tiktok.com"
API = "open_api/v1.3"
VIDEO_FIELDS = ["item_id", "create_time", "caption", "share_url", "thumbnail_url", "comments"]

#: Business API codes (business-api.tiktok.com/portal/docs, "Return codes").
RATE_LIMIT_CODES = {40100, 40133}
TOKEN_CODES = {40001, 40102, 40104, 40105, 40106}


class TikTokRequestRejected(MalformedResponse):
    def __init__(self, message: str, *, code: int, account: str | None = None) -> None:
        self.code = code
        super().__init__(message, account=account)


def tiktok_interpreter(api: ApiClient, response: httpx.Response, body: Any) -> None:
    if not isinstance(body, dict) or "code" not in body:
        return
    try:
        code = int(body["code"])
    except (TypeError, ValueError):
        return
    if code == 0:
        return
    what = f"{response.request.method} {response.request.url.path}"
    msg = str(body.get("message", ""))[:200]
    if code in RATE_LIMIT_CODES:
        raise api.fail(RateLimited, f"{what}: TikTok rate limit ({code}): {msg}", retry_after=60.0)
    if code in TOKEN_CODES:
        raise api.fail(CredentialsRejected, f"{what}: TikTok refused the access token ({code}): {msg}; "
                       "re-authorise the business account")
    if code >= 50000:
        raise api.fail(SourceUnavailable, f"{what}: TikTok unavailable ({code}): {msg}")
    raise api.fail(TikTokRequestRejected, f"{what}: TikTok refused the request ({code}): {msg}", code=code)


class TikTokClient:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def _pages(self, path: str, params: dict[str, Any], key: str) -> Iterator[list[dict[str, Any]]]:
        tokens = PageTokens(path, account=self.api.account)
        cursor: int | None = None
        while True:
            body = json_object(self.api.get(f"{API}/{path}", {**params, "cursor": cursor}), client=self.api, what=path)
            data = body.get("data") or {}
            rows = data.get(key) if isinstance(data, dict) else None
            if not isinstance(rows, list):
                raise self.api.error(MalformedResponse, f"{path}: response has no data.{key} list")
            yield [r for r in rows if isinstance(r, dict)]
            nxt = data.get("cursor")
            if not data.get("has_more") or nxt is None or not tokens.advance(str(nxt)):
                return
            cursor = int(nxt)

    def videos(self, business_id: str, *, max_count: int = 20) -> Iterator[list[dict[str, Any]]]:
        return self._pages("business/video/list/", {"business_id": business_id, "max_count": max_count,
                                                     "fields": json.dumps(VIDEO_FIELDS)}, "videos")

    def comments(self, business_id: str, video_id: str) -> Iterator[list[dict[str, Any]]]:
        return self._pages("business/comment/list/", {
            "business_id": business_id, "video_id": video_id, "status": "ALL", "include_replies": "false",
            "sort_field": "create_time", "sort_order": "DESC", "max_count": 30}, "comments")

    def replies(self, business_id: str, video_id: str, comment_id: str) -> Iterator[list[dict[str, Any]]]:
        return self._pages("business/comment/reply/list/", {
            "business_id": business_id, "video_id": video_id, "comment_id": comment_id, "status": "ALL",
            "sort_field": "create_time", "sort_order": "ASC", "max_count": 30}, "comments")

    def hide(self, business_id: str, video_id: str, comment_id: str, hidden: bool) -> Any:
        return self.api.request("POST", f"{API}/business/comment/hide/", json_body={
            "business_id": business_id, "video_id": video_id, "comment_id": comment_id,
            "action": "HIDE" if hidden else "UNHIDE"})
