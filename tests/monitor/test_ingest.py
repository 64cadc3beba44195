"""Ingest: the idempotent upsert at the head of the pipeline (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from connectors.base import FetchedItem
from monitor.db import session_scope
from monitor.models import Item, ItemVersion, SyncState
from monitor.store import cursors
from monitor.types import ItemKind, ItemState
from tests.helpers import ingest, item, org_config, setup_org


def _count(engine, model) -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_polling_the_same_data_twice_creates_nothing_new(engine) -> None:  # type: ignore[no-untyped-def]
    """Two polls of the same items store them once, with one version each."""
    setup_org(engine, org_config())
    batch = [item("c1", "Lovely day at club"), item("c2", "See you Monday")]
    first = ingest(engine, batch, cursor="p1")
    second = ingest(engine, batch, cursor="p1")
    assert (first.new, second.new, second.edited, second.unchanged) == (2, 0, 0, 2)
    assert _count(engine, Item) == 2 and _count(engine, ItemVersion) == 2


def test_an_edit_creates_one_new_version_and_sends_the_item_back_to_pending(engine) -> None:  # type: ignore[no-untyped-def]
    """An edited text becomes version 2, kept beside version 1, and is classified again."""
    setup_org(engine, org_config())
    ingest(engine, [item("c1", "Great club")])
    with session_scope(engine) as s:
        row = s.exec(select(Item)).one()
        row.state = ItemState.DONE.value
        s.add(row)
    res = ingest(engine, [item("c1", "Great club, but the staff are useless")])
    ingest(engine, [item("c1", "Great club, but the staff are useless")])  # seen again: no change
    assert res.edited == 1
    with session_scope(engine) as s:
        row = s.exec(select(Item)).one()
        versions = s.exec(select(ItemVersion.version, ItemVersion.text)
                          .order_by(ItemVersion.version)).all()
    assert row.version == 2 and row.state == ItemState.PENDING.value
    assert [v for v, _ in versions] == [1, 2] and versions[0][1] == "Great club"


def test_cursor_is_stored_with_the_items_it_covers(engine) -> None:  # type: ignore[no-untyped-def]
    """The batch's cursor lands in the same transaction as its items; None leaves it alone."""
    setup_org(engine, org_config())
    ingest(engine, [item("c1", "a")], cursor="page-2", stream="comments")
    ingest(engine, [item("c2", "b")], cursor=None, stream="comments")
    with session_scope(engine) as s:
        assert cursors(s, "fb-oak") == {"comments": "page-2"}
        assert s.exec(select(SyncState.items_total)).one() == 2


def test_a_malformed_item_is_skipped_and_recorded_while_the_rest_is_stored(engine) -> None:  # type: ignore[no-untyped-def]
    """A broken item from a connector never blocks or corrupts the good ones."""
    setup_org(engine, org_config())
    bad = FetchedItem(external_id="", kind=ItemKind.COMMENT, text="no id")
    worse = FetchedItem(external_id="x9", kind=ItemKind.COMMENT, text=None)  # type: ignore[arg-type]
    res = ingest(engine, [item("ok1", "fine"), bad, worse], cursor="c")
    assert res.new == 1 and len(res.malformed) == 2
    assert "missing external_id" in res.malformed[0] and "text is NoneType" in res.malformed[1]
    assert _count(engine, Item) == 1


def test_hostile_text_is_stored_exactly_except_nul(engine) -> None:  # type: ignore[no-untyped-def]
    """Script tags, bidi overrides and zero-width characters are kept verbatim for review."""
    setup_org(engine, org_config())
    text = "<script>alert(1)</script>\u202egnp.exe\u200b" + "x" * 200_000 + "\x00end"
    ingest(engine, [item("h1", text)])
    with session_scope(engine) as s:
        stored = s.exec(select(Item.text)).one()
    assert stored == text.replace("\x00", "\ufffd")


def test_emoji_lone_surrogates_and_odd_payloads_round_trip(engine) -> None:  # type: ignore[no-untyped-def]
    """Astral-plane emoji and quotes survive exactly; a lone surrogate (undecodable) becomes
    U+FFFD; a raw payload holding NUL and a lone surrogate is stored without failing the batch;
    media and times come back as they went in."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from connectors.base import MediaRef

    setup_org(engine, org_config())
    text = 'Well done 🧒🏽👏 "Amélie" \\ back\\slash \'quote\' ✓'
    odd = replace(item("e1", text + " \ud800 end"),
                  media=[MediaRef(url="https://cdn.example/p.jpg?x=1&y=\"2\"", type="photo", id="m1")],
                  raw={"message": "nul \x00 and \ud83d alone", "n": 1})
    res = ingest(engine, [item("e0", text), odd, item("bad\x00id", "x")])
    assert res.new == 2 and res.malformed == ["'bad\\x00id': external_id holds NUL or an unencodable character"]
    with session_scope(engine) as s:
        rows = {r.external_id: r for r in s.exec(select(Item))}
    assert rows["e0"].text == text
    assert rows["e1"].text == text + " \ufffd end"
    assert rows["e1"].media == [{"url": 'https://cdn.example/p.jpg?x=1&y="2"', "type": "photo", "id": "m1"}]
    assert rows["e1"].raw == {"message": "nul \ufffd and \ufffd alone", "n": 1}
    assert rows["e0"].created_at == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
