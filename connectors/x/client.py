"""Wire client for the X API v2 (user-context OAuth 2.0 bearer token of the account).

- ``GET /2/users/:id/tweets`` the account's own posts (``start_time``, ``pagination_token``)
- ``GET /2/tweets/search/recent?query=conversation_id:A OR conversation_id:B`` replies in
  the account's conversations of the last 7 days (``since_id``, ``next_token``)
- ``PUT /2/tweets/:id/hidden {"hidden": true|false}`` hide a reply to the account's post

Rate limits: X answers 429 with ``x-rate-limit-reset`` (epoch seconds); the shared loop
turns that into ``RateLimited(retry_after=reset - now)``. A monthly usage cap answers 429
with a ``usage-capped`` problem type and is a ``QuotaExhausted``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from connectors.http import ApiClient, json_object, retry_after_seconds
from connectors.paging import PageTokens
from monitor.errors import MalformedResponse, QuotaExhausted

DEFAULT_BASE_URL = "https://api.x.com"
TWEET_FIELDS = "created_at,conversation_id,author_id,in_reply_to_user_id,referenced_tweets,attachments"
EXPANSIONS = "author_id,attachments.media_keys"
USER_FIELDS = "username,name"
MEDIA_FIELDS = "url,preview_image_url,type"
MAX_QUERY = 512  # characters in a search query on the Basic/Pro tiers


class XRequestRejected(MalformedResponse):
    """X refused one request about one resource (not the token): e.g. hiding someone else's reply."""


#: Problem types about a single resource, not the credentials.
RESOURCE_PROBLEMS = ("not-authorized-for-resource", "resource-not-found", "invalid-request")


def x_interpreter(api: ApiClient, response: httpx.Response, body: Any) -> None:
    kind = str(body.get("type", "")) if isinstance(body, dict) else ""
    if response.status_code in (400, 403, 404) and kind.endswith(RESOURCE_PROBLEMS):
        what = f"{response.request.method} {response.request.url.path}"
        raise api.fail(XRequestRejected, f"{what}: X refused: {str(body.get('detail', ''))[:200]}")
    if response.status_code == 429 and isinstance(body, dict) and "usage-capped" in str(body.get("type", "")):
        wait = retry_after_seconds(response.headers, now=api.clock(), default=86_400)
        raise api.fail(QuotaExhausted, "X monthly usage cap reached for this app", retry_after=wait)


class XClient:
    def __init__(self, api: ApiClient, *, search_path: str = "2/tweets/search/recent") -> None:
        self.api = api
        self.search_path = search_path

    def _pages(self, path: str, params: dict[str, Any], token_param: str, what: str) -> Iterator[dict[str, Any]]:
        tokens = PageTokens(what, account=self.api.account)
        token: str | None = None
        while True:
            page = json_object(self.api.get(path, {**params, token_param: token}), client=self.api, what=what)
            if "data" in page and not isinstance(page["data"], list):
                raise self.api.error(MalformedResponse, f"{what}: data is not a list")
            if not isinstance(page.get("meta", {}), dict):
                raise self.api.error(MalformedResponse, f"{what}: meta is not an object")
            yield page
            token = (page.get("meta") or {}).get("next_token")
            if not tokens.advance(token):
                return

    def _common(self) -> dict[str, Any]:
        return {"tweet.fields": TWEET_FIELDS, "expansions": EXPANSIONS, "user.fields": USER_FIELDS,
                "media.fields": MEDIA_FIELDS, "max_results": 100}

    def user_tweets(self, user_id: str, *, start_time: str | None = None,
                    since_id: str | None = None) -> Iterator[dict[str, Any]]:
        params = {**self._common(), "start_time": start_time, "since_id": since_id, "exclude": "retweets"}
        return self._pages(f"2/users/{user_id}/tweets", params, "pagination_token", "users/tweets")

    def conversation_replies(self, conversation_ids: list[str], *, since_id: str | None) -> Iterator[dict[str, Any]]:
        query = " OR ".join(f"conversation_id:{c}" for c in conversation_ids)
        params = {**self._common(), "query": query, "since_id": since_id}
        return self._pages(self.search_path, params, "next_token", "search")

    def set_hidden(self, tweet_id: str, hidden: bool) -> Any:
        return self.api.request("PUT", f"2/tweets/{tweet_id}/hidden", json_body={"hidden": hidden})


def conversation_batches(ids: list[str], limit: int = MAX_QUERY) -> list[list[str]]:
    """Split conversation ids into OR-queries that fit X's query length."""
    batches: list[list[str]] = []
    current: list[str] = []
    length = 0
    for cid in ids:
        piece = len(f"conversation_id:{cid}") + (4 if current else 0)
        if current and length + piece > limit:
            batches.append(current)
            current, length = [], 0
            piece -= 4
        current.append(cid)
        length += piece
    if current:
        batches.append(current)
    return batches
