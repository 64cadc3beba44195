"""Tumblr connector (read-only): replies on the organisation's own blog posts.

Verdict: Tumblr's API does allow reading the notes on our own posts
(``/v2/blog/{blog}/notes?mode=conversation`` returns replies with their text), so the
blog is watched; it offers no way to hide or delete someone else's reply, so take-downs
are done by a human in Tumblr's own interface.

Replies have no id of their own; an item's id is ``<post>:<replying blog>:<timestamp>``,
stable across polls. Streams: ``posts`` and ``notes`` (``TimeCursor``) and
``note_counts`` (JSON: post -> ``note_count``, so notes are read only for posts whose
count moved; likes move it too, which costs a call but misses nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import httpx

from connectors._time import parse_time
from connectors.base import Action, Batch, FetchedItem, MediaRef
from connectors.common import Clock, ConnectorSecrets, HttpConnector, now, require_token
from connectors.paging import JsonCursor, TimeCursor, new_items, newest_first_listing
from connectors.tumblr.client import DEFAULT_BASE_URL, TumblrClient, tumblr_interpreter
from monitor.config import AccountConfig
from monitor.types import ItemKind

log = logging.getLogger("connectors.tumblr")


def _npf_text(post: dict[str, Any]) -> tuple[str, tuple[MediaRef, ...]]:
    texts, media = [], []
    for block in post.get("content") or []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text" and block.get("text"):
            texts.append(str(block["text"]))
        elif block.get("type") in ("image", "video"):
            sizes = block.get("media") or []
            first = sizes[0] if isinstance(sizes, list) and sizes else sizes
            if isinstance(first, dict) and first.get("url"):
                media.append(MediaRef(url=first["url"], type=str(block["type"])))
    text = "\n".join(texts) or str(post.get("summary") or post.get("body") or post.get("caption") or "")
    return text, tuple(media)


def post_item(post: dict[str, Any], blog: str) -> FetchedItem | None:
    pid = post.get("id_string") or post.get("id")
    if pid is None:
        return None
    text, media = _npf_text(post)
    return FetchedItem(
        external_id=str(pid), kind=ItemKind.POST, text=text, created_at=parse_time(post.get("timestamp")),
        author_handle=post.get("blog_name") or blog, author_name=post.get("blog_name") or blog,
        author_is_owner=True, permalink=post.get("post_url"), media=media, raw=post,
    )


def note_item(note: dict[str, Any], post_id: str, blog: str) -> FetchedItem | None:
    """A ``reply`` note (or a reblog that added text) as a comment on the post."""
    kind = note.get("type")
    text = note.get("reply_text") if kind == "reply" else note.get("added_text")
    if kind not in ("reply", "reblog") or not text:
        return None
    who = str(note.get("blog_name") or "")
    ts = note.get("timestamp")
    return FetchedItem(
        external_id=f"{post_id}:{who}:{ts}", kind=ItemKind.COMMENT, text=str(text),
        created_at=parse_time(ts), parent_external_id=post_id, author_id=note.get("blog_uuid"),
        author_name=who, author_handle=who, author_is_owner=who == blog,
        permalink=note.get("blog_url"), raw=note,
    )


class TumblrConnector(HttpConnector):
    platform: ClassVar[str] = "tumblr"
    client: TumblrClient
    actions: ClassVar[frozenset[Action]] = frozenset()

    def __init__(self, client: TumblrClient, *, account: AccountConfig, clock: Clock = now,
                 owned_http: httpx.Client | None = None) -> None:
        super().__init__(client, account=account, clock=clock, owned_http=owned_http)
        self.blog = account.external_id
        self.max_posts = int(account.options.get("max_posts", 40))

    @classmethod
    def from_config(cls, account: AccountConfig, secrets: ConnectorSecrets, *,
                    http: httpx.Client | None = None, clock: Clock = now) -> TumblrConnector:
        token = require_token(account, secrets, what="OAuth 2 access token")
        api, owned_http = cls.open_api(account, secrets, http=http, clock=clock, default_base_url=DEFAULT_BASE_URL,
                                       headers={"authorization": f"Bearer {token}"},
                                       interpret=tumblr_interpreter, logger=log)
        return cls(TumblrClient(api), account=account, clock=clock, owned_http=owned_http)

    def poll(self, cursors: Mapping[str, str | None]) -> Iterator[Batch]:
        started = int(self.clock())
        spent = self.client.api.call_counter()
        posts_seen, notes_seen = TimeCursor.decode(cursors.get("posts")), TimeCursor.decode(cursors.get("notes"))
        notes_next = notes_seen.copy()
        counts = JsonCursor.decode(cursors.get("note_counts"))
        changed: list[tuple[str, int]] = []

        def watch(post: dict[str, Any], item: FetchedItem) -> None:
            count = int(post.get("note_count") or 0)
            if count and counts.get(item.external_id) != count:
                changed.append((item.external_id, count))

        yield from newest_first_listing(
            "posts", (page for page, _ in self.client.posts(self.blog)), lambda p: post_item(p, self.blog),
            posts_seen, started=started, spent=spent, limit=self.max_posts, watch=watch)
        for post_id, count in changed:
            for page, _ in self.client.notes(self.blog, post_id):
                found = [item for n in page if (item := note_item(n, post_id, self.blog)) is not None]
                yield Batch(new_items(found, notes_seen, notes_next), stream="notes", api_calls=spent())
            counts[post_id] = count
        yield Batch([], stream="note_counts", cursor=JsonCursor.encode(counts), api_calls=spent())
        yield Batch([], stream="notes", cursor=notes_next.capped(started).encode(), api_calls=spent())

    def diagnostics(self) -> dict[str, Any]:
        return {"platform": self.platform, "account": self.account.id, "blog": self.blog,
                "api_calls": self.client.api.calls, "take_downs": "not available through Tumblr's API"}
