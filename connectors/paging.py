"""Cursor pagination and the time cursors the connectors store.

``PageTokens`` follows a platform's "next page" tokens and refuses one it has seen
before: a platform that hands back the same cursor would otherwise keep a poll busy
forever (singer-sdk's paginator does the same).

``TimeCursor`` is what most streams store: the newest creation time seen and the ids
seen at exactly that second. Why the ids? Platforms filter ``since`` by whole seconds;
asking again from the same second and skipping the ids already stored neither loses a
comment written in that second nor delivers one twice. ``new_items`` keeps what a
``TimeCursor`` has not stored yet; ``newest_first_listing`` turns the pages of an
account's own posts into batches and hands the stream's cursor out last.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from connectors._time import epoch
from connectors.base import Batch, FetchedItem
from monitor.errors import MalformedResponse

P = TypeVar("P")
R = TypeVar("R")


class PageTokens:
    """The tokens followed so far in one listing; a repeat raises MalformedResponse."""

    def __init__(self, what: str, *, account: str | None = None, max_pages: int = 10_000) -> None:
        self.what = what
        self.account = account
        self.max_pages = max_pages
        self.pages = 0
        self._seen: set[str] = set()

    def advance(self, token: str | None) -> bool:
        """Record a page; True when ``token`` names another page to fetch."""
        self.pages += 1
        if not token:
            return False
        if token in self._seen:
            raise MalformedResponse(
                f"{self.what}: the platform returned the same page token twice "
                f"(after {self.pages} pages); stopping so the poll cannot loop",
                account=self.account,
            )
        if self.pages >= self.max_pages:
            raise MalformedResponse(
                f"{self.what}: more than {self.max_pages} pages; stopping", account=self.account
            )
        self._seen.add(token)
        return True


def paginate(
    fetch: Callable[[str | None], tuple[P, str | None]],
    what: str,
    *,
    account: str | None = None,
    first: str | None = None,
) -> Iterator[P]:
    """Yield pages from ``fetch(token) -> (page, next_token)`` until there is no next token."""
    tokens = PageTokens(what, account=account)
    token = first
    while True:
        page, token = fetch(token)
        yield page
        if not tokens.advance(token):
            return


@dataclass(slots=True)
class TimeCursor:
    """Newest creation time seen (Unix seconds) and the ids seen at that second."""

    ts: int = 0
    ids: set[str] = field(default_factory=set)
    present: bool = False  # False: nothing stored yet (first sync)

    @classmethod
    def decode(cls, value: str | None) -> TimeCursor:
        if not value:
            return cls()
        ts_text, _, ids = value.partition("|")
        try:
            ts = int(ts_text)
        except ValueError:
            return cls()  # an unreadable cursor means a full re-sync, never a crash
        return cls(ts, {i for i in ids.split(",") if i}, True)

    def encode(self) -> str:
        return f"{self.ts}|{','.join(sorted(self.ids))}"

    def is_new(self, ts: int, item_id: str) -> bool:
        if not self.present:
            return True
        return ts > self.ts or (ts == self.ts and item_id not in self.ids)

    def see(self, ts: int, item_id: str) -> None:
        if ts > self.ts or not self.present:
            self.ts, self.ids, self.present = ts, {item_id}, True
        elif ts == self.ts:
            self.ids.add(item_id)

    def capped(self, limit: int) -> TimeCursor:
        """Never store a time after the poll started (a skewed platform clock)."""
        if self.ts > limit:
            return TimeCursor(limit, set(), True)
        return TimeCursor(self.ts, set(self.ids), self.present)

    def copy(self) -> TimeCursor:
        return TimeCursor(self.ts, set(self.ids), self.present)


class JsonCursor:
    """A cursor holding a small JSON document (per-video or per-media bookmarks)."""

    @staticmethod
    def decode(value: str | None) -> dict[str, object]:
        if not value:
            return {}
        try:
            data = json.loads(value)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    @staticmethod
    def encode(data: dict[str, object]) -> str:
        return json.dumps(data, sort_keys=True, separators=(",", ":"))


def new_items(items: Iterable[FetchedItem], seen: TimeCursor, nxt: TimeCursor) -> list[FetchedItem]:
    """The ``items`` newer than the stored cursor ``seen``, each recorded in ``nxt``."""
    out = []
    for item in items:
        ts = epoch(item.created_at)
        if seen.is_new(ts, item.external_id):
            out.append(item)
            nxt.see(ts, item.external_id)
    return out


def newest_first_listing(
    stream: str,
    pages: Iterable[Iterable[R]],
    to_item: Callable[[R], FetchedItem | None],
    seen: TimeCursor,
    *,
    started: int,
    spent: Callable[[], int],
    limit: int | None = None,
    watch: Callable[[R, FetchedItem], None] | None = None,
) -> Iterator[Batch]:
    """One batch per page of the account's own posts, then the stream's new cursor.

    Only the first ``limit`` posts that map to an item are watched (the listing stops
    after the page that reaches it); ``watch(raw, item)`` is told of each so the caller
    can pick which posts to read comments for. The cursor is handed out last, capped at
    ``started``, so an abandoned poll stores nothing.
    """
    nxt = seen.copy()
    watched = 0
    for page in pages:
        items = []
        for raw in page:
            item = to_item(raw)
            if item is None or (limit is not None and watched >= limit):
                continue
            watched += 1
            items.extend(new_items((item,), seen, nxt))
            if watch is not None:
                watch(raw, item)
        yield Batch(items, stream=stream, api_calls=spent())
        if limit is not None and watched >= limit:
            break
    yield Batch([], stream=stream, cursor=nxt.capped(started).encode(), api_calls=spent())
