"""TikTok connector: comments and replies on the organisation's own videos.

External ids are ``<video_id>_<comment_id>``: hiding a comment needs its video, and the
composite id lets a take-down be done long after the poll that found it.

Streams: ``videos`` and ``comments`` (``TimeCursor``), ``reply_counts`` (JSON: comment
-> replies seen, so replies are only listed for a comment that gained some).
Per poll: one video listing (``options.max_videos``, default 20), then comments newest
first per video until they are older than the cursor.
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
from connectors.tiktok.client import (
    DEFAULT_BASE_URL,
    TikTokClient,
    TikTokRequestRejected,
    tiktok_interpreter,
)
from monitor.config import AccountConfig
from monitor.types import ItemKind

log = logging.getLogger("connectors.tiktok")


def video_item(v: dict[str, Any], business_id: str, handle: str | None) -> FetchedItem | None:
    vid = v.get("item_id") or v.get("id")
    if not vid:
        return None
    thumb = v.get("thumbnail_url")
    return FetchedItem(
        external_id=str(vid), kind=ItemKind.POST, text=str(v.get("caption") or ""),
        created_at=parse_time(v.get("create_time")), author_id=business_id, author_handle=handle,
        author_is_owner=True, permalink=v.get("share_url"),
        media=(MediaRef(url=thumb, type="video", id=str(vid)),) if thumb else (), raw=v,
    )


def comment_item(c: dict[str, Any], *, video_id: str | None = None) -> FetchedItem | None:
    """A Business API comment (or a Research API comment, whose ids are numbers)."""
    cid = c.get("comment_id", c.get("id"))
    vid = c.get("video_id", video_id)
    if cid is None or vid is None:
        return None
    parent = c.get("parent_comment_id")
    is_reply = parent not in (None, "", 0, "0", str(vid)) and str(parent) != str(cid)
    author = c.get("unique_identifier") or c.get("user_id")
    return FetchedItem(
        external_id=f"{vid}_{cid}", kind=ItemKind.REPLY if is_reply else ItemKind.COMMENT,
        text=str(c.get("text") or ""), created_at=parse_time(c.get("create_time")),
        parent_external_id=f"{vid}_{parent}" if is_reply else str(vid),
        author_id=str(author) if author is not None else None,
        author_name=c.get("display_name") or c.get("username"), author_handle=c.get("username"),
        author_is_owner=bool(c.get("owner", False)), hidden=str(c.get("status", "PUBLIC")).upper() == "HIDDEN",
        raw=c,
    )


class TikTokConnector(HttpConnector):
    platform: ClassVar[str] = "tiktok"
    client: TikTokClient
    actions: ClassVar[frozenset[Action]] = frozenset({Action.HIDE, Action.UNHIDE})

    def __init__(self, client: TikTokClient, *, account: AccountConfig, clock: Clock = now,
                 owned_http: httpx.Client | None = None) -> None:
        super().__init__(client, account=account, clock=clock, owned_http=owned_http)
        self.business_id = account.external_id
        self.max_videos = int(account.options.get("max_videos", 20))

    @classmethod
    def from_config(cls, account: AccountConfig, secrets: ConnectorSecrets, *,
                    http: httpx.Client | None = None, clock: Clock = now) -> TikTokConnector:
        token = require_token(account, secrets, what="Business API access token")
        api, owned_http = cls.open_api(account, secrets, http=http, clock=clock, default_base_url=DEFAULT_BASE_URL,
                                       headers={"access-token": token}, interpret=tiktok_interpreter, logger=log)
        return cls(TikTokClient(api), account=account, clock=clock, owned_http=owned_http)

    def poll(self, cursors: Mapping[str, str | None]) -> Iterator[Batch]:
        started = int(self.clock())
        spent = self.client.api.call_counter()
        videos_seen = TimeCursor.decode(cursors.get("videos"))
        seen = TimeCursor.decode(cursors.get("comments"))
        counts = JsonCursor.decode(cursors.get("reply_counts"))
        nxt = seen.copy()
        watched: list[str] = []
        yield from newest_first_listing(
            "videos", self.client.videos(self.business_id, max_count=min(20, self.max_videos)),
            lambda v: video_item(v, self.business_id, self.account.handle), videos_seen,
            started=started, spent=spent, limit=self.max_videos, watch=lambda _, item: watched.append(item.external_id))
        for vid in watched:
            for page in self.client.comments(self.business_id, vid):
                items = []
                oldest = None
                for c in page:
                    top = comment_item(c, video_id=vid)
                    if top is None:
                        continue
                    oldest = epoch(top.created_at)
                    found = [top]
                    replies = int(c.get("replies") or 0)
                    if replies and counts.get(top.external_id) != replies:
                        cid = str(c.get("comment_id"))
                        for rpage in self.client.replies(self.business_id, vid, cid):
                            found.extend(i for r in rpage if (i := comment_item(r, video_id=vid)) is not None)
                        counts[top.external_id] = replies
                    items.extend(new_items(found, seen, nxt))
                yield Batch(items, stream="comments", api_calls=spent())
                if seen.present and oldest is not None and oldest < seen.ts:
                    break
        yield Batch([], stream="reply_counts", cursor=JsonCursor.encode(counts), api_calls=spent())
        yield Batch([], stream="comments", cursor=nxt.capped(started).encode(), api_calls=spent())

    def act(self, external_id: str, action: Action) -> ActionResult:
        action = Action(action)
        if action not in self.actions:
            return ActionResult(False, action, external_id,
                                "TikTok lets an account delete only its own comments; hide it instead")
        vid, _, cid = external_id.partition("_")
        if not cid:
            return ActionResult(False, action, external_id, "expected <video_id>_<comment_id>")
        try:
            self.client.hide(self.business_id, vid, cid, action is Action.HIDE)
        except TikTokRequestRejected as exc:
            return ActionResult(False, action, external_id, str(exc))
        return ActionResult(True, action, external_id)

    def diagnostics(self) -> dict[str, Any]:
        return {"platform": self.platform, "account": self.account.id, "business_id": self.business_id,
                "api_calls": self.client.api.calls}
