"""The shared stream bookkeeping: new items by TimeCursor, own-post listings, call counts."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from connectors.base import FetchedItem
from connectors.http import ApiClient
from connectors.paging import TimeCursor, new_items, newest_first_listing
from monitor.types import ItemKind

from .conftest import mock_client


def _item(raw: dict) -> FetchedItem | None:
    if raw.get("id") is None:
        return None
    return FetchedItem(external_id=raw["id"], kind=ItemKind.POST, text="",
                       created_at=datetime.fromtimestamp(raw["ts"], tz=UTC))


def test_new_items_skips_what_the_cursor_stored_and_records_the_rest():
    """Same-second ids already stored are skipped; the rest move the next cursor."""
    seen = TimeCursor(100, {"a"}, True)
    nxt = seen.copy()
    items = [_item({"id": i, "ts": ts}) for i, ts in (("a", 100), ("b", 100), ("c", 90), ("d", 120))]
    assert [i.external_id for i in new_items(items, seen, nxt)] == ["b", "d"]
    assert (nxt.ts, nxt.ids) == (120, {"d"})


def test_listing_stops_at_the_limit_and_hands_the_cursor_out_last():
    """Only ``limit`` mapped posts are watched; the capped cursor comes in a final empty batch."""
    pages = [[{"id": "p3", "ts": 300}, {"ts": 0}, {"id": "p2", "ts": 200}],
             [{"id": "p1", "ts": 100}], [{"id": "p0", "ts": 50}]]
    fetched: list[int] = []

    def lazy():
        for n, page in enumerate(pages):
            fetched.append(n)
            yield page

    watched: list[str] = []
    batches = list(newest_first_listing("posts", lazy(), _item, TimeCursor(100, {"p1"}, True), started=250,
                                        spent=lambda: 1, limit=3, watch=lambda raw, item: watched.append(raw["id"])))
    assert fetched == [0, 1]  # the third page is never asked for
    assert watched == ["p3", "p2", "p1"]
    assert [[i.external_id for i in b.items] for b in batches] == [["p3", "p2"], [], []]
    assert [b.cursor for b in batches] == [None, None, "250|"]  # capped at the poll's start
    assert {b.stream for b in batches} == {"posts"}


def test_call_counter_gives_each_batch_the_calls_since_the_last():
    """``spent()`` counts requests since the previous call, starting when the counter is made."""
    api = ApiClient(mock_client(lambda req: httpx.Response(200, json={})), account="a",
                    base_url="https://api.example")
    api.get("x")
    spent = api.call_counter()
    api.get("x")
    api.get("x")
    assert spent() == 2
    assert spent() == 0
    api.get("x")
    assert spent() == 1
