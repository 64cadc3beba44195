"""Wire client for the WordPress REST API (``/wp-json/wp/v2``) of the organisation's site.

- ``GET /posts?orderby=date&order=desc&per_page=100&page=N``
- ``GET /comments?status=approve|hold&orderby=id&order=desc&per_page=100&page=N``
  (``hold`` needs an authenticated user who can moderate comments)
- ``POST /comments/{id} {"status": "hold"|"approved"}``; ``DELETE /comments/{id}`` (trash)

Authentication: an Application Password (WordPress 5.6+), sent as HTTP Basic; the
account's token is ``username:application-password``. Pages are numbered; the
``X-WP-TotalPages`` header says how many there are.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx

from connectors.http import ApiClient
from connectors.paging import PageTokens
from monitor.errors import MalformedResponse

API = "wp-json/wp/v2"
PER_PAGE = 100


class WordPressRequestRejected(MalformedResponse):
    def __init__(self, message: str, *, code: str, account: str | None = None) -> None:
        self.code = code
        super().__init__(message, account=account)


def basic_auth(token: str) -> str:
    return "Basic " + base64.b64encode(token.encode()).decode()


def wp_interpreter(api: ApiClient, response: httpx.Response, body: Any) -> None:
    """WordPress errors are ``{"code", "message", "data": {"status"}}``; 404s are per item."""
    if response.status_code in (400, 404, 410) and isinstance(body, dict) and "code" in body:
        what = f"{response.request.method} {response.request.url.path}"
        raise api.fail(WordPressRequestRejected, f"{what}: {body.get('code')}: {str(body.get('message', ''))[:200]}",
                       code=str(body.get("code")))


class WordPressClient:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        tokens = PageTokens(path, account=self.api.account)
        page = 1
        while True:
            data, response = self.api.exchange(
                "GET", f"{API}/{path}", params={**params, "page": page, "per_page": PER_PAGE})
            if not isinstance(data, list):
                raise self.api.error(MalformedResponse, f"{path}: expected a JSON list")
            yield [d for d in data if isinstance(d, dict)]
            pages = response.headers.get("x-wp-totalpages", "")
            last = page >= int(pages) if pages.isdigit() else len(data) < PER_PAGE
            if last or not tokens.advance(str(page + 1)):
                return
            page += 1

    def posts(self) -> Iterator[list[dict[str, Any]]]:
        return self._pages("posts", {"orderby": "date", "order": "desc", "status": "publish"})

    def comments(self, status: str) -> Iterator[list[dict[str, Any]]]:
        return self._pages("comments", {"status": status, "orderby": "id", "order": "desc", "context": "edit"})

    def set_status(self, comment_id: str, status: str) -> Any:
        return self.api.request("POST", f"{API}/comments/{comment_id}", json_body={"status": status})

    def trash(self, comment_id: str, *, force: bool = False) -> Any:
        return self.api.request("DELETE", f"{API}/comments/{comment_id}", params={"force": "true" if force else None})
