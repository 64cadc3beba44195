"""Wire client for the Tumblr API v2, reading the organisation's own blog.

- ``GET /v2/blog/{blog}/posts?npf=true&limit=20`` newest first; ``_links.next`` pages
- ``GET /v2/blog/{blog}/notes?id={post}&mode=conversation`` replies (and reblogs that
  added commentary) on a post, newest first; ``_links.next`` pages by ``before_timestamp``

OAuth 2 bearer token of the blog's owner. Every answer is ``{"meta": {"status", "msg"},
"response": ..}``. Tumblr has no API to delete or hide other people's replies, so the
connector is read-only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from connectors.http import ApiClient, json_object
from connectors.paging import PageTokens
from monitor.errors import MalformedResponse

DEFAULT_BASE_URL = "https://api.tumblr.com"


def tumblr_interpreter(api: ApiClient, response: httpx.Response, body: Any) -> None:
    """Tumblr mirrors the HTTP status in ``meta``; the shared loop maps the status itself."""
    return


class TumblrClient:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def _pages(self, path: str, params: dict[str, Any], key: str) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
        tokens = PageTokens(path, account=self.api.account)
        query: dict[str, Any] = params
        while True:
            body = json_object(self.api.get(path, query), client=self.api, what=path)
            resp = body.get("response")
            rows = resp.get(key) if isinstance(resp, dict) else None
            if not isinstance(resp, dict) or not isinstance(rows, list):
                raise self.api.error(MalformedResponse, f"{path}: response has no {key} list")
            yield [r for r in rows if isinstance(r, dict)], resp
            nxt = ((resp.get("_links") or {}).get("next") or {}).get("query_params")
            if not isinstance(nxt, dict) or not rows or not tokens.advance(repr(sorted(nxt.items()))):
                return
            query = {**params, **nxt}

    def posts(self, blog: str, *, limit: int = 20) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
        return self._pages(f"v2/blog/{blog}/posts", {"npf": "true", "limit": limit}, "posts")

    def notes(self, blog: str, post_id: str) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
        return self._pages(f"v2/blog/{blog}/notes", {"id": post_id, "mode": "conversation"}, "notes")
