"""Wire client for the YouTube Data API v3 (OAuth bearer token of the channel owner).

- ``channels.list?part=contentDetails&id=`` -> the uploads playlist
- ``playlistItems.list?part=snippet,contentDetails&playlistId=`` -> videos, newest first
- ``commentThreads.list?part=snippet,replies&videoId=&order=time`` -> threads, newest first
- ``comments.list?part=snippet&parentId=`` -> every reply in a thread
- ``comments.setModerationStatus?id=&moderationStatus=heldForReview|published|rejected``

Every call is charged to the ``QuotaMeter`` before it is sent (failed calls cost too).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from connectors.http import ApiClient, Interpreter, json_object
from connectors.paging import PageTokens
from connectors.youtube.quota import QuotaMeter
from monitor.errors import (
    CredentialsRejected,
    MalformedResponse,
    QuotaExhausted,
    RateLimited,
    SourceUnavailable,
)

DEFAULT_BASE_URL = "https://www.googleapis.com"
API = "youtube/v3"


class YouTubeRequestRejected(MalformedResponse):
    """YouTube refused one request (``reason`` says why, e.g. commentsDisabled)."""

    def __init__(self, message: str, *, reason: str, account: str | None = None) -> None:
        self.reason = reason
        super().__init__(message, account=account)


def youtube_interpreter(meter: QuotaMeter) -> Interpreter:
    def interpret(api: ApiClient, response: httpx.Response, body: Any) -> None:
        if response.status_code < 400:
            return
        err = body.get("error") if isinstance(body, dict) else None
        if not isinstance(err, dict):
            return
        reasons = [e.get("reason", "") for e in err.get("errors") or [] if isinstance(e, dict)]
        reason = reasons[0] if reasons else str(err.get("status", ""))
        what = f"{response.request.method} {response.request.url.path}"
        if reason in ("quotaExceeded", "dailyLimitExceeded"):
            meter.used = max(meter.used, meter.daily_limit)
            raise api.fail(QuotaExhausted, f"{what}: YouTube daily quota exceeded ({reason})",
                           retry_after=meter.seconds_to_reset())
        if reason in ("rateLimitExceeded", "userRateLimitExceeded"):
            raise api.fail(RateLimited, f"{what}: YouTube rate limit ({reason})", retry_after=60.0)
        denied = err.get("status") in ("PERMISSION_DENIED", "UNAUTHENTICATED")
        if response.status_code == 401 or denied or reason in ("authError", "insufficientPermissions", "forbidden"):
            raise api.fail(CredentialsRejected, f"{what}: YouTube refused the OAuth token ({reason}); "
                           "re-authorise the channel with the youtube.force-ssl scope")
        if response.status_code >= 500 or reason in ("backendError", "internalError"):
            raise api.fail(SourceUnavailable, f"{what}: YouTube unavailable ({reason})")
        raise api.fail(YouTubeRequestRejected, f"{what}: YouTube refused the request ({reason})",
                       reason=reason)

    return interpret


class YouTubeClient:
    def __init__(self, api: ApiClient, meter: QuotaMeter) -> None:
        self.api = api
        self.meter = meter

    def _call(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        self.meter.charge(method)
        return json_object(self.api.get(f"{API}/{path}", params), client=self.api, what=method)

    def _pages(self, method: str, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        tokens = PageTokens(method, account=self.api.account)
        token: str | None = None
        while True:
            page = self._call(method, path, {**params, "pageToken": token})
            if not isinstance(page.get("items"), list):
                raise self.api.error(MalformedResponse, f"{method}: response has no items list")
            yield page
            token = page.get("nextPageToken")
            if not tokens.advance(token):
                return

    def uploads_playlist(self, channel_id: str) -> str:
        page = self._call("channels.list", "channels", {"part": "contentDetails", "id": channel_id})
        try:
            return str(page["items"][0]["contentDetails"]["relatedPlaylists"]["uploads"])
        except (KeyError, IndexError, TypeError):
            raise self.api.error(MalformedResponse, f"channel {channel_id} has no uploads playlist") from None

    def playlist_items(self, playlist_id: str, *, per_page: int = 50) -> Iterator[dict[str, Any]]:
        return self._pages("playlistItems.list", "playlistItems", {
            "part": "snippet,contentDetails", "playlistId": playlist_id, "maxResults": per_page})

    def comment_threads(self, video_id: str, *, per_page: int = 100) -> Iterator[dict[str, Any]]:
        return self._pages("commentThreads.list", "commentThreads", {
            "part": "snippet,replies", "videoId": video_id, "order": "time",
            "textFormat": "plainText", "maxResults": per_page})

    def replies(self, parent_id: str, *, per_page: int = 100) -> Iterator[dict[str, Any]]:
        return self._pages("comments.list", "comments", {
            "part": "snippet", "parentId": parent_id, "textFormat": "plainText", "maxResults": per_page})

    def set_moderation_status(self, comment_id: str, status: str) -> None:
        self.meter.charge("comments.setModerationStatus")
        self.api.request("POST", f"{API}/comments/setModerationStatus",
                         params={"id": comment_id, "moderationStatus": status})
