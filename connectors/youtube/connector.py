"""YouTube connector: the channel's videos and the comment threads under them.

Streams: ``videos`` and ``comments`` (``TimeCursor``), ``reply_counts`` (JSON: thread id
-> replies seen, so ``comments.list`` is only called for a thread that grew), ``quota``
(units spent today, so a restart does not forget them).

Per poll: the uploads playlist (1 unit per 50 videos) for the ``options.max_videos``
newest videos (default 50), then ``commentThreads.list`` newest first for each (1 unit
per 100 threads), stopping at threads older than the cursor. Replies come with their
thread; a thread whose ``totalReplyCount`` grew beyond what came with it costs one more
``comments.list``. Cost per quiet poll is therefore about 1 + videos units.

Take-downs use ``comments.setModerationStatus`` (50 units): hide = heldForReview,
unhide = published, delete = rejected (YouTube lets a channel delete only its own
comments; rejecting removes someone else's from public view).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import httpx

from connectors._time import epoch, parse_time
from connectors.base import Action, ActionResult, Batch, FetchedItem, MediaRef
from connectors.common import Clock, ConnectorSecrets, HttpConnector, now, require_token
from connectors.paging import JsonCursor, TimeCursor, new_items, newest_first_listing
from connectors.youtube.client import (
    DEFAULT_BASE_URL,
    YouTubeClient,
    YouTubeRequestRejected,
    youtube_interpreter,
)
from connectors.youtube.quota import DEFAULT_DAILY_LIMIT, QuotaMeter
from monitor.config import AccountConfig
from monitor.types import ItemKind

log = logging.getLogger("connectors.youtube")

MODERATION = {Action.HIDE: "heldForReview", Action.UNHIDE: "published", Action.DELETE: "rejected"}


def video_item(entry: dict[str, Any], channel_id: str) -> FetchedItem | None:
    """A playlistItem (uploads playlist) as the channel's post."""
    snippet = entry.get("snippet") or {}
    details = entry.get("contentDetails") or {}
    vid = details.get("videoId") or (snippet.get("resourceId") or {}).get("videoId")
    if not vid:
        return None
    thumbs = snippet.get("thumbnails") or {}
    best = next((thumbs[k] for k in ("maxres", "standard", "high", "medium", "default") if k in thumbs), None)
    title, desc = snippet.get("title") or "", snippet.get("description") or ""
    owner = snippet.get("videoOwnerChannelId") or snippet.get("channelId") or channel_id
    return FetchedItem(
        external_id=str(vid),
        kind=ItemKind.POST,
        text=f"{title}\n\n{desc}".strip(),
        created_at=parse_time(details.get("videoPublishedAt") or snippet.get("publishedAt")),
        author_id=owner,
        author_name=snippet.get("videoOwnerChannelTitle") or snippet.get("channelTitle"),
        author_is_owner=owner == channel_id,
        permalink=f"https://www.youtube.com/watch?v={vid}",
        media=(MediaRef(url=best["url"], type="image"),) if best and best.get("url") else (),
        raw=entry,
    )


def comment_item(comment: dict[str, Any], channel_id: str, *, video_id: str | None = None) -> FetchedItem | None:
    """A ``youtube#comment`` (top-level or reply) as an item."""
    cid = comment.get("id")
    snippet = comment.get("snippet") or {}
    if not cid:
        return None
    vid = snippet.get("videoId") or video_id
    parent = snippet.get("parentId")
    author = (snippet.get("authorChannelId") or {}).get("value")
    status = snippet.get("moderationStatus", "published")
    return FetchedItem(
        external_id=str(cid),
        kind=ItemKind.REPLY if parent else ItemKind.COMMENT,
        text=str(snippet.get("textOriginal") or snippet.get("textDisplay") or ""),
        created_at=parse_time(snippet.get("publishedAt")),
        parent_external_id=str(parent or vid) if (parent or vid) else None,
        author_id=author,
        author_name=snippet.get("authorDisplayName"),
        author_handle=(snippet.get("authorChannelUrl") or "").rsplit("/", 1)[-1] or None,
        author_is_owner=author == channel_id,
        permalink=f"https://www.youtube.com/watch?v={vid}&lc={cid}" if vid else None,
        hidden=status != "published",
        raw=comment,
    )


def thread_items(thread: dict[str, Any], channel_id: str) -> list[FetchedItem]:
    """The top-level comment and the replies that came with a ``youtube#commentThread``."""
    snippet = thread.get("snippet") or {}
    vid = snippet.get("videoId")
    out = []
    top = comment_item(snippet.get("topLevelComment") or {}, channel_id, video_id=vid)
    if top is not None:
        out.append(top)
    for reply in (thread.get("replies") or {}).get("comments") or []:
        item = comment_item(reply, channel_id, video_id=vid)
        if item is not None:
            out.append(item)
    return out


class YouTubeConnector(HttpConnector):
    platform: ClassVar[str] = "youtube"
    client: YouTubeClient
    actions: ClassVar[frozenset[Action]] = frozenset(MODERATION)
    supports_webhooks: ClassVar[bool] = False  # YouTube pushes uploads (PubSubHubbub), not comments

    def __init__(self, client: YouTubeClient, *, account: AccountConfig, clock: Clock = now,
                 owned_http: httpx.Client | None = None) -> None:
        super().__init__(client, account=account, clock=clock, owned_http=owned_http)
        self.channel_id = account.external_id
        self.max_videos = int(account.options.get("max_videos", 50))
        self._uploads: str | None = account.options.get("uploads_playlist")
        self._skipped: dict[str, str] = {}
        self._watched: int | None = None

    @classmethod
    def from_config(cls, account: AccountConfig, secrets: ConnectorSecrets, *,
                    http: httpx.Client | None = None, clock: Clock = now) -> YouTubeConnector:
        token = require_token(account, secrets, what="OAuth access token")
        meter = QuotaMeter(int(account.options.get("daily_quota", DEFAULT_DAILY_LIMIT)),
                           reserve=int(account.options.get("quota_reserve", 500)),
                           account=account.id, clock=clock)
        api, owned_http = cls.open_api(account, secrets, http=http, clock=clock, default_base_url=DEFAULT_BASE_URL,
                                       headers={"authorization": f"Bearer {token}"},
                                       interpret=youtube_interpreter(meter), logger=log)
        return cls(YouTubeClient(api, meter), account=account, clock=clock, owned_http=owned_http)

    @property
    def meter(self) -> QuotaMeter:
        return self.client.meter

    def poll(self, cursors: Mapping[str, str | None]) -> Iterator[Batch]:
        meter = self.meter
        meter.restore(cursors.get("quota"))
        meter.check_poll(self.estimated_cost(), float(self.account.poll_interval))
        started = int(self.clock())
        spent = self.client.api.call_counter()
        try:
            videos_seen = TimeCursor.decode(cursors.get("videos"))
            comments_seen = TimeCursor.decode(cursors.get("comments"))
            counts: dict[str, Any] = JsonCursor.decode(cursors.get("reply_counts"))
            comments_next = comments_seen.copy()
            if self._uploads is None:
                self._uploads = self.client.uploads_playlist(self.channel_id)
            watched: list[str] = []
            yield from newest_first_listing(
                "videos", (page["items"] for page in
                           self.client.playlist_items(self._uploads, per_page=min(50, self.max_videos))),
                lambda entry: video_item(entry, self.channel_id), videos_seen, started=started, spent=spent,
                limit=self.max_videos, watch=lambda _, item: watched.append(item.external_id))

            self._watched = len(watched)
            for video_id in watched:
                yield from self._video_comments(video_id, comments_seen, comments_next, counts, spent)
            yield Batch([], stream="reply_counts", cursor=JsonCursor.encode(counts), api_calls=spent())
            yield Batch([], stream="comments", cursor=comments_next.capped(started).encode(), api_calls=spent())
        finally:
            meter.polled()
        yield Batch([], stream="quota", cursor=meter.encode())

    def _video_comments(self, video_id: str, seen: TimeCursor, nxt: TimeCursor,
                        counts: dict[str, Any], spent: Any) -> Iterator[Batch]:
        try:
            for page in self.client.comment_threads(video_id):
                items: list[FetchedItem] = []
                oldest_top = None
                for thread in page["items"]:
                    found = thread_items(thread, self.channel_id)
                    if not found:
                        continue
                    top = found[0]
                    oldest_top = epoch(top.created_at)
                    total = int((thread.get("snippet") or {}).get("totalReplyCount") or 0)
                    included = len(found) - 1
                    if total > included and total != counts.get(top.external_id):
                        found = [top] + self._all_replies(top.external_id, video_id)
                    if total:
                        counts[top.external_id] = total
                    items.extend(new_items(found, seen, nxt))
                yield Batch(items, stream="comments", api_calls=spent())
                if seen.present and oldest_top is not None and oldest_top < seen.ts:
                    return  # threads are newest first: the rest are older than the cursor
        except YouTubeRequestRejected as exc:
            if exc.reason in ("commentsDisabled", "videoNotFound", "forbidden"):
                self._skipped[video_id] = exc.reason
                return
            raise

    def _all_replies(self, thread_id: str, video_id: str) -> list[FetchedItem]:
        out = []
        for page in self.client.replies(thread_id):
            for c in page["items"]:
                item = comment_item(c, self.channel_id, video_id=video_id)
                if item is not None:
                    out.append(item)
        return out

    def estimated_cost(self) -> int:
        """Units a quiet poll costs: the playlist pages plus one thread listing per video."""
        videos = self.max_videos if self._watched is None else self._watched
        return (0 if self._uploads else 1) + max(1, -(-videos // 50)) + videos

    def act(self, external_id: str, action: Action) -> ActionResult:
        action = Action(action)
        status = MODERATION.get(action)
        if status is None:
            return super().act(external_id, action)
        if self.meter.remaining < 50:
            return ActionResult(False, action, external_id, "YouTube quota spent for today")
        try:
            self.client.set_moderation_status(external_id, status)
        except YouTubeRequestRejected as exc:
            return ActionResult(False, action, external_id, str(exc))
        return ActionResult(True, action, external_id, f"moderationStatus={status}")

    def diagnostics(self) -> dict[str, Any]:
        m = self.meter
        return {
            "platform": self.platform,
            "account": self.account.id,
            "channel_id": self.channel_id,
            "api_calls": self.client.api.calls,
            "quota_day": m.day,
            "quota_used": m.used,
            "quota_limit": m.daily_limit,
            "quota_remaining": m.remaining,
            "videos_skipped": dict(self._skipped),
        }
