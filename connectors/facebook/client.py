"""Wire client for the Facebook Graph API, as used for one Page.

Endpoints (Graph API, version from ``options.api_version``):

- ``GET /{page-id}/published_posts?fields=..&since=..&limit=100`` newest first, cursor paged
- ``GET /{post-id}/comments?filter=stream&order=chronological&since=..&fields=..`` every
  comment and reply on a post, oldest first
- ``POST /{comment-id}`` with ``is_hidden=true|false``; ``DELETE /{comment-id}``

The Page access token goes in the ``Authorization`` header; Graph still echoes an
``access_token`` into its ``paging.next`` links, which ``ApiClient.url`` strips.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from connectors.http import ApiClient, Interpreter, json_object
from connectors.paging import PageTokens
from monitor.errors import CredentialsRejected, MalformedResponse, RateLimited, SourceUnavailable

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v21.0"
PAGE_LIMIT = 100

POST_FIELDS = (
    "id,message,story,created_time,updated_time,permalink_url,full_picture,"
    "from{id,name},status_type,is_published,attachments{media_type,media,url}"
)
COMMENT_FIELDS = (
    "id,message,created_time,from{id,name},parent{id},permalink_url,is_hidden,"
    "attachment{type,media,url},comment_count"
)

#: Graph error codes that mean "slow down": app (4), user (17), page (32), per-API (613),
#: and the Business Use Case limits (80001-80014).
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613}) | frozenset(range(80001, 80015))
#: The token is expired, revoked or never was (190; 102 session; 104 missing).
TOKEN_CODES = frozenset({102, 104, 190})
#: The token lacks a permission or the app a feature: an admin must grant it.
PERMISSION_CODES = frozenset({10, 3}) | frozenset(range(200, 300))
#: Graph says retry later.
TRANSIENT_CODES = frozenset({1, 2})
#: When Graph gives no estimate, wait this long (its app window is a rolling hour).
DEFAULT_RATE_LIMIT_WAIT = 300.0


class GraphRequestRejected(MalformedResponse):
    """Graph refused the request for a reason not covered by the tree (e.g. code 100)."""

    def __init__(self, message: str, *, code: int, account: str | None = None) -> None:
        self.code = code
        super().__init__(message, account=account)


def usage_wait(headers: httpx.Headers) -> float | None:
    """Seconds from ``X-Business-Use-Case-Usage``'s ``estimated_time_to_regain_access`` (minutes)."""
    raw = headers.get("x-business-use-case-usage")
    if not raw:
        return None
    try:
        usage = json.loads(raw)
    except ValueError:
        return None
    minutes = [
        float(entry.get("estimated_time_to_regain_access") or 0)
        for entries in (usage.values() if isinstance(usage, dict) else [])
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict)
    ]
    return max(minutes) * 60 if minutes and max(minutes) > 0 else None


PAGE_PERMISSIONS = "pages_read_engagement, pages_read_user_content and pages_manage_engagement"


def graph_interpreter(*, hint: str = "", permissions: str = PAGE_PERMISSIONS,
                      token_name: str = "long-lived Page access token") -> Interpreter:
    """The ``interpret`` hook: map Graph's ``{"error": {...}}`` envelope onto the error tree."""

    def interpret(api: ApiClient, response: httpx.Response, body: Any) -> None:
        if not (isinstance(body, dict) and isinstance(body.get("error"), dict)):
            return
        err = body["error"]
        try:
            code = int(err.get("code", 0))
        except (TypeError, ValueError):
            code = 0
        sub = err.get("error_subcode")
        msg = str(err.get("message", ""))[:300]
        label = f"Graph error {code}" + (f"/{sub}" if sub else "")
        what = f"{response.request.method} {response.request.url.path}"
        if code in RATE_LIMIT_CODES:
            wait = usage_wait(response.headers) or DEFAULT_RATE_LIMIT_WAIT
            raise api.fail(RateLimited, f"{what}: {label} rate limit: {msg}", retry_after=wait)
        if code in TOKEN_CODES:
            raise api.fail(
                CredentialsRejected,
                f"{what}: {label}: the access token was rejected ({msg}). "
                f"Generate a new {token_name}{hint}",
            )
        if code in PERMISSION_CODES:
            raise api.fail(
                CredentialsRejected,
                f"{what}: {label}: permission missing ({msg}). Grant the app {permissions}",
            )
        if code in TRANSIENT_CODES or err.get("is_transient") or response.status_code >= 500:
            raise api.fail(SourceUnavailable, f"{what}: {label} (transient): {msg}")
        raise api.fail(GraphRequestRejected, f"{what}: {label}: {msg}", code=code)

    return interpret


class GraphApiClient:
    """What every Graph wire client shares (Facebook Pages, Instagram): versioned paths,
    Graph's cursor paging, and ``DELETE /{id}``."""

    def __init__(self, api: ApiClient, *, version: str = DEFAULT_VERSION) -> None:
        self.api = api
        self.version = version

    def _path(self, *parts: str) -> str:
        return "/".join((self.version, *parts))

    def _pages(self, first_path: str, params: dict[str, Any], what: str) -> Iterator[list[dict[str, Any]]]:
        tokens = PageTokens(what, account=self.api.account)
        url: str | None = first_path
        query: dict[str, Any] | None = params
        while url:
            page = json_object(self.api.get(url, query), client=self.api, what=what)
            data = page.get("data")
            if not isinstance(data, list):
                raise self.api.error(MalformedResponse, f"{what}: response has no data list")
            yield [d for d in data if isinstance(d, dict)]
            paging = page.get("paging") or {}
            nxt = paging.get("next") if isinstance(paging, dict) else None
            after = ((paging.get("cursors") or {}).get("after") if isinstance(paging, dict) else None)
            # Graph's rule: no ``next`` link means the last page, whatever the cursors say.
            if not nxt or not tokens.advance(after or nxt):
                return
            url, query = nxt, None

    def delete(self, object_id: str) -> Any:
        return self.api.request("DELETE", self._path(object_id))


class GraphClient(GraphApiClient):
    """Typed calls against Graph for one Page; knows endpoints and paging, not FetchedItem."""

    def published_posts(
        self, page_id: str, *, since: int | None = None, limit: int = PAGE_LIMIT
    ) -> Iterator[list[dict[str, Any]]]:
        params = {"fields": POST_FIELDS, "limit": limit, "since": since}
        return self._pages(self._path(page_id, "published_posts"), params, f"{page_id}/published_posts")

    def comments(
        self, object_id: str, *, since: int | None = None, limit: int = PAGE_LIMIT
    ) -> Iterator[list[dict[str, Any]]]:
        params = {
            "fields": COMMENT_FIELDS,
            "filter": "stream",
            "order": "chronological",
            "limit": limit,
            "since": since,
        }
        return self._pages(self._path(object_id, "comments"), params, f"{object_id}/comments")

    def set_hidden(self, comment_id: str, hidden: bool) -> Any:
        return self.api.request(
            "POST", self._path(comment_id), data={"is_hidden": "true" if hidden else "false"}
        )
