"""Instagram connector: the account's media, their comments and replies.

Streams: ``media`` and ``comments`` (``TimeCursor``), ``comment_counts`` (JSON: media id
-> ``comments_count``). Instagram's comments edge has no ``since``; but a media's
``comments_count`` includes replies, so one media listing tells which posts changed and
only those are read again. ``options.max_media`` (default 50) newest media are watched.

Webhooks: ``comments`` (a comment on our media, with ``from``, ``media`` and
``parent_id``) and ``mentions`` (our account @-mentioned in someone's comment: the
comment is fetched through ``mentioned_comment``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import httpx

from connectors._time import parse_time
from connectors.base import Batch, FetchedItem, MediaRef
from connectors.common import Clock, now
from connectors.facebook.client import GraphRequestRejected
from connectors.instagram.client import PERMISSIONS, InstagramClient
from connectors.meta import MetaGraphConnector
from connectors.paging import JsonCursor, TimeCursor, new_items, newest_first_listing
from monitor.config import AccountConfig
from monitor.errors import ConnectorError
from monitor.types import ItemKind

log = logging.getLogger("connectors.instagram")


def media_item(media: dict[str, Any], user_id: str, handle: str | None) -> FetchedItem | None:
    mid = media.get("id")
    if not mid:
        return None
    url = media.get("media_url") or media.get("thumbnail_url")
    kind = "video" if media.get("media_type") in ("VIDEO", "REELS") else "image"
    refs = [MediaRef(url=url, type=kind, id=str(mid))] if url else []
    for child in (media.get("children") or {}).get("data") or []:
        if isinstance(child, dict) and child.get("media_url"):
            refs.append(MediaRef(url=child["media_url"], id=child.get("id"),
                                 type="video" if child.get("media_type") == "VIDEO" else "image"))
    return FetchedItem(
        external_id=str(mid), kind=ItemKind.POST, text=str(media.get("caption") or ""),
        created_at=parse_time(media.get("timestamp")), author_id=user_id,
        author_handle=media.get("username") or handle, author_is_owner=True,
        permalink=media.get("permalink"), media=tuple(refs), raw=media,
    )


def comment_item(c: dict[str, Any], *, media_id: str | None, user_id: str, handle: str | None,
                 parent_id: str | None = None) -> FetchedItem | None:
    cid = c.get("id")
    if not cid:
        return None
    author = c.get("from") or c.get("user") or {}
    author_id = str(author["id"]) if author.get("id") is not None else None
    username = author.get("username") or c.get("username")
    parent = c.get("parent_id") or parent_id
    media = (c.get("media") or {}).get("id") or media_id
    owner = author_id == user_id or (bool(handle) and username == handle)
    return FetchedItem(
        external_id=str(cid), kind=ItemKind.REPLY if parent else ItemKind.COMMENT,
        text=str(c.get("text") or ""), created_at=parse_time(c.get("timestamp")),
        parent_external_id=str(parent or media) if (parent or media) else None,
        author_id=author_id, author_handle=username, author_name=username,
        author_is_owner=owner, hidden=bool(c.get("hidden", False)), raw=c,
    )


def flatten(c: dict[str, Any], **kw: Any) -> list[FetchedItem]:
    """A comment and the replies nested in it."""
    out = []
    top = comment_item(c, **kw)
    if top is not None:
        out.append(top)
        for r in (c.get("replies") or {}).get("data") or []:
            item = comment_item(r, **{**kw, "parent_id": top.external_id})
            if item is not None:
                out.append(item)
    return out


class InstagramConnector(MetaGraphConnector):
    platform: ClassVar[str] = "instagram"
    client: InstagramClient
    client_class = InstagramClient
    token_what = "access token"
    interpreter_options: ClassVar[dict[str, str]] = {"permissions": PERMISSIONS, "token_name": "access token for the Instagram account"}
    webhook_object = "instagram"
    webhook_ignored = "ignored: not an instagram event"
    confirmer = "Instagram"
    logger = log

    def __init__(self, client: InstagramClient, *, account: AccountConfig, app_secret: str | None = None,
                 verify_token: str | None = None, clock: Clock = now,
                 owned_http: httpx.Client | None = None) -> None:
        super().__init__(client, account=account, app_secret=app_secret, verify_token=verify_token,
                         clock=clock, owned_http=owned_http)
        self.user_id = account.external_id
        self.handle = account.handle
        self.max_media = int(account.options.get("max_media", 50))

    def _kw(self, media_id: str | None) -> dict[str, Any]:
        return {"media_id": media_id, "user_id": self.user_id, "handle": self.handle}

    def poll(self, cursors: Mapping[str, str | None]) -> Iterator[Batch]:
        started = int(self.clock())
        spent = self.client.api.call_counter()
        media_seen = TimeCursor.decode(cursors.get("media"))
        comments_seen = TimeCursor.decode(cursors.get("comments"))
        counts = JsonCursor.decode(cursors.get("comment_counts"))
        comments_next = comments_seen.copy()
        changed: list[tuple[str, int]] = []

        def watch(media: dict[str, Any], item: FetchedItem) -> None:
            count = int(media.get("comments_count") or 0)
            if count and counts.get(item.external_id) != count:
                changed.append((item.external_id, count))

        yield from newest_first_listing(
            "media", self.client.media(self.user_id, limit=min(50, self.max_media)),
            lambda m: media_item(m, self.user_id, self.handle), media_seen, started=started, spent=spent,
            limit=self.max_media, watch=watch)
        for media_id, count in changed:
            try:
                for page in self.client.comments(media_id):
                    items = []
                    for c in page:
                        found = flatten(c, **self._kw(media_id))
                        if found and ((c.get("replies") or {}).get("paging") or {}).get("next"):
                            found = found[:1] + self._replies(found[0].external_id, media_id)
                        items.extend(new_items(found, comments_seen, comments_next))
                    yield Batch(items, stream="comments", api_calls=spent())
            except GraphRequestRejected as exc:
                if exc.code != 100:
                    raise
                log.info("[%s] media %s no longer readable; skipped", self.account.id, media_id)
                continue
            counts[media_id] = count
        yield Batch([], stream="comment_counts", cursor=JsonCursor.encode(counts), api_calls=spent())
        yield Batch([], stream="comments", cursor=comments_next.capped(started).encode(), api_calls=spent())

    def _replies(self, comment_id: str, media_id: str) -> list[FetchedItem]:
        out = []
        for page in self.client.replies(comment_id):
            for r in page:
                item = comment_item(r, **{**self._kw(media_id), "parent_id": comment_id})
                if item is not None:
                    out.append(item)
        return out

    # -- webhooks -----------------------------------------------------------------------
    def webhook_items(self, payload: dict[str, Any]) -> list[FetchedItem]:
        items: list[FetchedItem] = []
        for entry in payload.get("entry") or []:
            for change in (entry.get("changes") or []) if isinstance(entry, dict) else []:
                if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                    continue
                value = change["value"]
                if change.get("field") == "comments":
                    item = comment_item(value, **self._kw(None))
                elif change.get("field") == "mentions" and value.get("comment_id"):
                    try:
                        found = self.client.mentioned_comment(self.user_id, str(value["comment_id"]))
                    except ConnectorError as exc:
                        log.warning("[%s] could not fetch the mentioned comment: %s", self.account.id, exc)
                        continue
                    item = comment_item(found, **self._kw(value.get("media_id"))) if found else None
                else:
                    item = None
                if item is not None:
                    items.append(item)
        return items

    def diagnostics(self) -> dict[str, Any]:
        return {"platform": self.platform, "account": self.account.id, "ig_user_id": self.user_id,
                "api_calls": self.client.api.calls, "webhooks": bool(self.app_secret)}
