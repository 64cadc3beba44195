"""Reads and writes of items and cursors through a Session; no business rules here.

``ingest_batch`` is the idempotent upsert at the head of the pipeline: fetching the same
item twice changes nothing, an edited text becomes a new ItemVersion and sends the item
back to PENDING, and the batch's cursor is stored in the same transaction as its items
(so a cursor never runs ahead of what is stored).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, func, tuple_
from sqlalchemy import cast as sa_cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select, update

from connectors.base import Batch, FetchedItem
from monitor import audit
from monitor.clock import ensure_utc, utcnow
from monitor.models import Item, ItemVersion, SyncState
from monitor.types import ItemKind, ItemState

log = logging.getLogger(__name__)

MAX_FIELD = 500  # author names, handles, ids, permalinks


@dataclass
class IngestResult:
    new: int = 0
    edited: int = 0
    unchanged: int = 0
    malformed: list[str] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.new + self.edited


def content_hash(text: str, media: list[dict[str, Any]]) -> str:
    h = hashlib.sha256(text.encode("utf-8", "surrogatepass"))
    for m in media:
        h.update(b"\x00" + str(m.get("url", "")).encode("utf-8", "replace"))
    return h.hexdigest()


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean_text(value: str) -> str:
    # PostgreSQL rejects NUL in text; a lone surrogate cannot be encoded at all. Both become
    # U+FFFD. Nothing else is changed: the reviewer must see exactly what was posted (it is
    # escaped on display).
    value = value.replace("\x00", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = _LONE_SURROGATE.sub("\ufffd", value)
    return value


def _clean_json(value: Any) -> Any:
    """A platform's raw payload with every string cleaned as above (keys too): one NUL in a
    payload would otherwise fail the whole batch on PostgreSQL."""
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, dict):
        return {_clean_text(str(k)): _clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_json(v) for v in value]
    return value


def _short(value: Any) -> str | None:
    if value is None:
        return None
    return _clean_text(str(value))[:MAX_FIELD]


def validate_item(it: Any) -> str | None:
    """Why an item from a connector cannot be stored, or None if it can."""
    if not isinstance(it, FetchedItem):
        return f"not a FetchedItem: {type(it).__name__}"
    if not isinstance(it.external_id, str) or not it.external_id.strip():
        return "missing external_id"
    if len(it.external_id) > MAX_FIELD:
        return "external_id too long"
    if _clean_text(it.external_id) != it.external_id:
        return "external_id holds NUL or an unencodable character"
    if not isinstance(it.text, str):
        return f"text is {type(it.text).__name__}, not str"
    try:
        ItemKind(it.kind)
    except ValueError:
        return f"unknown kind {it.kind!r}"
    if it.created_at is not None and not isinstance(it.created_at, datetime):
        return "created_at is not a datetime"
    return None


def _row(it: FetchedItem, *, account_id: str, platform: str, now: datetime,
         raw_days: int | None) -> dict[str, Any]:
    text = _clean_text(it.text)
    media = _clean_json([{"url": m.url, "type": m.type, "id": m.id} for m in it.media])
    keep_raw = it.raw is not None and raw_days is not None and raw_days > 0
    return {
        "platform": platform,
        "external_id": it.external_id,
        "account_id": account_id,
        "kind": str(ItemKind(it.kind)),
        "parent_external_id": _short(it.parent_external_id),
        "author_name": _short(it.author_name),
        "author_handle": _short(it.author_handle),
        "author_id": _short(it.author_id),
        "author_is_owner": bool(it.author_is_owner),
        "text": text,
        "media": media,
        "permalink": _short(it.permalink),
        "created_at": ensure_utc(it.created_at),
        "fetched_at": now,
        "content_hash": content_hash(text, media),
        "version": 1,
        "state": ItemState.PENDING.value,
        "attempts": 0,
        "hidden": bool(it.hidden),
        "removed": False,
        "raw": _clean_json(it.raw) if keep_raw else None,
        "raw_expires_at": now + timedelta(days=raw_days) if keep_raw and raw_days else None,
    }


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def _pg_json_insert(session: Session, table: Any, rows: list[dict[str, Any]],
                    conflict: list[str], returning: tuple[Any, ...]) -> list[Any]:
    """INSERT … SELECT FROM json_populate_recordset(one JSON parameter).

    Why? A multi-row VALUES statement for 1,000 rows carries 20,000 parameters, and
    per-column arrays are dumped element by element in Python (half of ingest's time);
    one JSON document is written by the C encoder and parsed by the server, on its own
    core, straight into the table's own column types.
    """
    from sqlalchemy import text

    cols = ", ".join(rows[0])
    ret = f" RETURNING {', '.join(c.name for c in returning)}" if returning else ""
    stmt = text(f'INSERT INTO "{table.name}" ({cols}) '
                f'SELECT {cols} FROM json_populate_recordset(NULL::"{table.name}", CAST(:rows AS json)) '
                f"ON CONFLICT ({', '.join(conflict)}) DO NOTHING{ret}")
    result = session.execute(stmt, {"rows": json.dumps(rows, default=_json_default)})
    return list(result.all()) if returning else []


def _insert_ignore(session: Session, table: Any, rows: list[dict[str, Any]],
                   conflict: list[str], returning: tuple[Any, ...] = ()) -> list[Any]:
    """INSERT … ON CONFLICT DO NOTHING (both databases); RETURNING gives the rows we won."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return _pg_json_insert(session, table, rows, conflict, returning)
    # executemany with a constant statement: SQLAlchemy's "insertmanyvalues" batches it
    # into multi-row INSERTs with a cached compile.
    stmt = sqlite_insert(table).on_conflict_do_nothing(index_elements=conflict)
    if returning:
        return list(session.execute(stmt.returning(*returning), rows).all())
    session.execute(stmt, rows)
    return []


def by_external_ids(session: Session, platform: str, external_ids: list[str],
                    columns: tuple[Any, ...], chunk: int = 1000) -> list[Any]:
    """Rows of ``columns`` for the items of ``platform`` with these external ids.

    Why not ``external_id IN (…)``? On PostgreSQL, a table that grew quickly has stale
    statistics and the planner then scans every item of the platform, testing each against
    the 1,000-element list: at 100,000 items each lookup took 0.7 s. Joining an ``unnest``
    of one array parameter makes it one unique-index probe per id, whatever the statistics.
    """
    out: list[Any] = []
    if session.get_bind().dialect.name == "postgresql":
        for i in range(0, len(external_ids), chunk):
            wanted = func.unnest(sa_cast(external_ids[i:i + chunk], ARRAY(String))) \
                .table_valued("ext").render_derived(name="wanted")
            out.extend(session.exec(select(*columns).join(  # type: ignore[call-overload]
                wanted, (Item.platform == platform) & (col(Item.external_id) == wanted.c.ext))))
        return out
    for i in range(0, len(external_ids), chunk):
        out.extend(session.exec(select(*columns).where(  # type: ignore[call-overload]
            Item.platform == platform, col(Item.external_id).in_(external_ids[i:i + chunk]))))
    return out


def ingest_batch(session: Session, *, account_id: str, platform: str, batch: Batch,
                 actor: str = "system", now: datetime | None = None,
                 raw_days: int | None = 7) -> IngestResult:
    """Store a batch idempotently and move its stream's cursor, in the caller's transaction."""
    now = now or utcnow()
    result = IngestResult()
    latest: dict[str, FetchedItem] = {}
    for it in batch.items:
        problem = validate_item(it)
        if problem:
            ext = getattr(it, "external_id", None)
            result.malformed.append(f"{ext!r}: {problem}")
            continue
        latest[it.external_id] = it  # within a batch, the last copy wins

    rows = {ext: _row(it, account_id=account_id, platform=platform, now=now, raw_days=raw_days)
            for ext, it in latest.items()}
    existing: dict[str, tuple[int, str, int, bool]] = {}
    for item_id, ext, h, ver, hidden in by_external_ids(
            session, platform, list(rows),
            (Item.id, Item.external_id, Item.content_hash, Item.version, Item.hidden)):
        existing[ext] = (item_id, h, ver, hidden)

    new_rows = [r for ext, r in rows.items() if ext not in existing]
    ids: dict[str, int] = {}
    for i in range(0, len(new_rows), 500):
        for item_id, ext in _insert_ignore(session, Item.__table__, new_rows[i:i + 500],
                                           ["platform", "external_id"],
                                           returning=(Item.__table__.c.id, Item.__table__.c.external_id)):
            ids[ext] = item_id
    versions = [{"item_id": ids[r["external_id"]], "version": 1, "text": r["text"],
                 "content_hash": r["content_hash"], "seen_at": now}
                for r in new_rows if r["external_id"] in ids]
    for i in range(0, len(versions), 500):
        _insert_ignore(session, ItemVersion.__table__, versions[i:i + 500], ["item_id", "version"])
    result.new = len(versions)
    result.unchanged += len(new_rows) - len(versions)  # another writer stored them first

    for ext, r in rows.items():
        if ext not in existing:
            continue
        item_id, old_hash, ver, was_hidden = existing[ext]
        if old_hash == r["content_hash"]:
            result.unchanged += 1
            if was_hidden != r["hidden"]:  # hidden or unhidden on the platform
                session.exec(update(Item).where(col(Item.id) == item_id)  # type: ignore[call-overload]
                             .values(hidden=r["hidden"]))
            continue
        new_ver = ver + 1
        session.exec(update(Item).where(col(Item.id) == item_id).values(  # type: ignore[call-overload]
            text=r["text"], media=r["media"], content_hash=r["content_hash"], version=new_ver,
            state=ItemState.PENDING.value, attempts=0, fetched_at=now, hidden=r["hidden"],
        ))
        _insert_ignore(session, ItemVersion.__table__,
                       [{"item_id": item_id, "version": new_ver, "text": r["text"],
                         "content_hash": r["content_hash"], "seen_at": now}],
                       ["item_id", "version"])
        result.edited += 1

    if batch.cursor is not None or result.stored:
        st = sync_state(session, account_id=account_id, stream=batch.stream)
        if batch.cursor is not None:
            st.cursor = batch.cursor
        st.items_total += result.stored
        session.add(st)
    if result.stored or result.malformed:
        audit.append(session, actor=actor, action="items.ingested", subject_type="account",
                     subject_id=account_id,
                     detail={"stream": batch.stream, "new": result.new, "edited": result.edited,
                             "unchanged": result.unchanged, "malformed": result.malformed[:20]})
    for problem in result.malformed:
        log.error("account %s: malformed item skipped: %s", account_id, problem)
    return result


def sync_state(session: Session, *, account_id: str, stream: str) -> SyncState:
    st = session.exec(select(SyncState).where(SyncState.account_id == account_id,
                                              SyncState.stream == stream)).first()
    if st is None:
        st = SyncState(account_id=account_id, stream=stream)
        session.add(st)
        session.flush()
    return st


def cursors(session: Session, account_id: str) -> dict[str, str | None]:
    """Stored cursors by stream; streams starting with "_" are the monitor's own."""
    return {s.stream: s.cursor for s in
            session.exec(select(SyncState).where(SyncState.account_id == account_id))
            if not s.stream.startswith("_")}


def pending_keys(session: Session, keys: list[tuple[str, str]]) -> Any:
    """(platform, external_id) pairs → item rows; used by webhooks and tests."""
    return session.exec(select(Item).where(tuple_(Item.platform, Item.external_id).in_(keys))).all()
