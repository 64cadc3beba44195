"""Facebook Page connector: the Page's own posts and every comment and reply on them.

Streams and cursors (``TimeCursor``, Unix seconds):

- ``posts``: newest ``created_time`` of the Page's published posts.
- ``comments``: newest ``created_time`` of any comment or reply on them.

One poll lists the Page's posts created within ``options.window_days`` (default 30)
with their ``updated_time``; Graph moves a post's ``updated_time`` when someone comments,
so only posts touched since the ``comments`` cursor are asked for their comments
(``filter=stream`` brings replies in the same listing). Cursors are handed out in the
last batch of each stream, so an abandoned poll stores no cursor and loses nothing.

Why not ``since`` on the posts listing? It filters by creation time, and a new comment on
an old post is exactly what must not be missed; the window bounds the cost instead, and
the ``feed`` webhook delivers comments in real time anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx

from connectors._time import epoch, parse_time
from connectors.base import Batch, FetchedItem, MediaRef
from connectors.common import Clock, now
from connectors.facebook.client import GraphClient, GraphRequestRejected
from connectors.meta import MetaGraphConnector
from connectors.paging import TimeCursor, new_items, newest_first_listing
from monitor.config import AccountConfig
from monitor.types import ItemKind

log = logging.getLogger("connectors.facebook")

DAY = 86_400


# -- mapping Graph JSON to FetchedItem ------------------------------------------------
def _media(node: dict[str, Any]) -> tuple[MediaRef, ...]:
    out: list[MediaRef] = []
    att = node.get("attachment")
    atts = [att] if isinstance(att, dict) else []
    wrapped = node.get("attachments")
    if isinstance(wrapped, dict) and isinstance(wrapped.get("data"), list):
        atts.extend(a for a in wrapped["data"] if isinstance(a, dict))
    for a in atts:
        src = ((a.get("media") or {}).get("image") or {}).get("src")
        if src:
            kind = "video" if "video" in str(a.get("media_type") or a.get("type") or "") else "image"
            out.append(MediaRef(url=src, type=kind, id=(a.get("target") or {}).get("id")))
    if not out and node.get("full_picture"):
        out.append(MediaRef(url=node["full_picture"]))
    if isinstance(node.get("photo"), str):  # webhook comments carry the photo URL
        out.append(MediaRef(url=node["photo"]))
    return tuple(out)


def ids_from_permalink(permalink: str | None) -> tuple[str | None, str | None]:
    """(comment id, parent comment id) rebuilt from a comment's permalink.

    Graph comment ids are ``{post}_{comment}``; the permalink carries the post id in
    its path and ``comment_id``/``reply_comment_id`` in its query. Used when a response
    lacks ``id`` (seen in recorded traffic) so the item still gets its real id.
    """
    if not permalink:
        return None, None
    parts = urlsplit(permalink)
    q = parse_qs(parts.query)
    segs = [s for s in parts.path.split("/") if s]
    post = segs[segs.index("posts") + 1] if "posts" in segs[:-1] else None
    top = next(iter(q.get("comment_id") or []), None)
    reply = next(iter(q.get("reply_comment_id") or []), None)
    if not post or not top:
        return None, None
    if reply:
        return f"{post}_{reply}", f"{post}_{top}"
    return f"{post}_{top}", None


def post_item(post: dict[str, Any], page_id: str) -> FetchedItem | None:
    pid = post.get("id")
    if not pid:
        return None
    author = post.get("from") or {}
    return FetchedItem(
        external_id=str(pid),
        kind=ItemKind.POST,
        text=str(post.get("message") or post.get("story") or ""),
        created_at=parse_time(post.get("created_time")),
        author_id=str(author.get("id") or page_id),
        author_name=author.get("name"),
        author_is_owner=str(author.get("id") or page_id) == page_id,
        permalink=post.get("permalink_url"),
        media=_media(post),
        hidden=post.get("is_published") is False,
        raw=post,
    )


def comment_item(comment: dict[str, Any], *, post_id: str | None, page_id: str) -> FetchedItem | None:
    cid = comment.get("id")
    derived_id, derived_parent = ids_from_permalink(comment.get("permalink_url"))
    cid = cid or derived_id
    if not cid:
        return None
    parent = (comment.get("parent") or {}).get("id") or derived_parent
    author = comment.get("from") or {}
    author_id = str(author["id"]) if author.get("id") is not None else None
    return FetchedItem(
        external_id=str(cid),
        kind=ItemKind.REPLY if parent else ItemKind.COMMENT,
        text=str(comment.get("message") or ""),
        created_at=parse_time(comment.get("created_time")),
        parent_external_id=str(parent or post_id) if (parent or post_id) else None,
        author_id=author_id,
        author_name=author.get("name"),
        author_is_owner=author_id == page_id,
        permalink=comment.get("permalink_url"),
        media=_media(comment),
        hidden=bool(comment.get("is_hidden", False)),
        raw=comment,
    )


POST_ITEMS = frozenset({"status", "post", "photo", "video", "share"})


def feed_change_item(value: dict[str, Any], page_id: str) -> FetchedItem | None:
    """One ``feed`` change value (comment or post, add/edited/hide/unhide) as an item.

    Removals and reactions carry nothing to classify and give ``None``. Older
    deliveries name the author with ``sender_id``/``sender_name`` instead of ``from``.
    """
    item, verb = value.get("item"), value.get("verb")
    if verb not in ("add", "edited", "edit", "hide", "unhide"):
        return None
    author = value.get("from") or {}
    author_id = author.get("id", value.get("sender_id"))
    author_id = str(author_id) if author_id is not None else None
    author_name = author.get("name", value.get("sender_name"))
    created = parse_time(value.get("created_time"))
    post: dict[str, Any] = value["post"] if isinstance(value.get("post"), dict) else {}
    if item == "comment" and value.get("comment_id"):
        parent = str(value.get("parent_id") or value.get("post_id") or "") or None
        post_id = str(value.get("post_id") or "") or None
        return FetchedItem(
            external_id=str(value["comment_id"]),
            kind=ItemKind.REPLY if parent and parent != post_id else ItemKind.COMMENT,
            text=str(value.get("message") or ""),
            created_at=created,
            parent_external_id=parent,
            author_id=author_id,
            author_name=author_name,
            author_is_owner=author_id == page_id,
            permalink=None,
            media=_media(value),
            hidden=verb == "hide",
            raw=value,
        )
    if item in POST_ITEMS and value.get("post_id") and value.get("published", 1) != 0:
        return FetchedItem(
            external_id=str(value["post_id"]),
            kind=ItemKind.POST,
            text=str(value.get("message") or ""),
            created_at=created,
            author_id=author_id,
            author_name=author_name,
            author_is_owner=author_id == page_id,
            permalink=post.get("permalink_url"),
            media=_media(value),
            raw=value,
        )
    return None


def feed_entry_items(entry: dict[str, Any], page_id: str) -> list[FetchedItem]:
    items = []
    for change in entry.get("changes") or []:
        if isinstance(change, dict) and change.get("field") == "feed":
            value = change.get("value")
            if isinstance(value, dict):
                item = feed_change_item(value, page_id)
                if item is not None:
                    items.append(item)
    return items


# -- the connector --------------------------------------------------------------------
class FacebookPageConnector(MetaGraphConnector):
    """Polls a Page's posts and comments; hides, unhides and deletes comments."""

    platform: ClassVar[str] = "facebook"
    client: GraphClient
    results_sorted: ClassVar[bool] = False  # posts newest first, comments per post
    client_class = GraphClient
    token_what = "Page access token"
    webhook_object = "page"
    webhook_ignored = "ignored: not a page event"
    confirmer = "Graph"
    logger = log

    def __init__(
        self,
        client: GraphClient,
        *,
        account: AccountConfig,
        app_secret: str | None = None,
        verify_token: str | None = None,
        clock: Clock = now,
        owned_http: httpx.Client | None = None,
    ) -> None:
        super().__init__(client, account=account, app_secret=app_secret, verify_token=verify_token,
                         clock=clock, owned_http=owned_http)
        self.page_id = account.external_id
        self.window_days = int(account.options.get("window_days", 30))
        self._last: dict[str, Any] = {}

    # -- polling ------------------------------------------------------------------------
    def poll(self, cursors: Mapping[str, str | None]) -> Iterator[Batch]:
        started = int(self.clock())
        spent = self.client.api.call_counter()
        posts_seen = TimeCursor.decode(cursors.get("posts"))
        comments_seen = TimeCursor.decode(cursors.get("comments"))
        comments_next = comments_seen.copy()
        touched: list[str] = []

        def watch(post: dict[str, Any], item: FetchedItem) -> None:
            updated = epoch(parse_time(post.get("updated_time"))) or epoch(item.created_at)
            if not comments_seen.present or updated >= comments_seen.ts:
                touched.append(item.external_id)

        window = started - self.window_days * DAY
        yield from newest_first_listing(
            "posts", self.client.published_posts(self.page_id, since=window),
            lambda post: post_item(post, self.page_id), posts_seen, started=started, spent=spent, watch=watch)

        since = comments_seen.ts if comments_seen.present else None
        for post_id in touched:
            try:
                for page in self.client.comments(post_id, since=since):
                    found = []
                    for raw in page:
                        item = comment_item(raw, post_id=post_id, page_id=self.page_id)
                        if item is None:
                            log.warning("[%s] skipped a comment with no id on %s", self.account.id, post_id)
                            continue
                        found.append(item)
                    items = new_items(found, comments_seen, comments_next)
                    if items:
                        yield Batch(items, stream="comments", api_calls=spent())
            except GraphRequestRejected as exc:
                if exc.code != 100:
                    raise
                # The post went between the listing and this call (deleted or
                # unpublished): nothing left to read, and the rest of the Page still is.
                log.info("[%s] post %s no longer readable; skipped", self.account.id, post_id)
        self._last = {"posts_listed_window_days": self.window_days, "posts_touched": len(touched)}
        yield Batch(
            [], stream="comments", cursor=comments_next.capped(started).encode(), api_calls=spent()
        )

    # -- webhooks -------------------------------------------------------------------------
    def webhook_items(self, payload: dict[str, Any]) -> list[FetchedItem]:
        items: list[FetchedItem] = []
        for entry in payload.get("entry") or []:
            if isinstance(entry, dict):
                items.extend(feed_entry_items(entry, self.page_id))
        return items

    def diagnostics(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "account": self.account.id,
            "page_id": self.page_id,
            "api_version": self.client.version,
            "api_calls": self.client.api.calls,
            "webhooks": bool(self.app_secret),
            **self._last,
        }
