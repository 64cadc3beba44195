"""Reading the audit trail for the audit page, the CSV export and the API.

Why neutralise cells? Audit rows hold text chosen by outsiders (a username typed at the
login form, a dismissal reason). A cell starting with ``=``, ``+``, ``-``, ``@`` (or a
tab/CR) is run as a formula by spreadsheet programs, so it gets a leading quote.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from monitor.models import AuditEvent

CSV_FIELDS = ["seq", "at", "actor", "action", "subject_type", "subject_id", "detail", "prev_hash", "hash"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class AuditFilters:
    actor: str | None = None
    action: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def as_query(self) -> dict[str, str]:
        return {k: str(v) for k, v in vars(self).items() if v not in (None, "")}


def _stmt(f: AuditFilters) -> Any:
    stmt = select(AuditEvent)
    if f.actor:
        stmt = stmt.where(AuditEvent.actor == f.actor)
    if f.action:
        stmt = stmt.where(col(AuditEvent.action).startswith(f.action, autoescape=True))
    if f.subject_type:
        stmt = stmt.where(AuditEvent.subject_type == f.subject_type)
    if f.subject_id:
        stmt = stmt.where(AuditEvent.subject_id == f.subject_id)
    if f.date_from:
        stmt = stmt.where(col(AuditEvent.at) >= datetime.combine(f.date_from, time(), UTC))
    if f.date_to:
        stmt = stmt.where(col(AuditEvent.at) < datetime.combine(f.date_to + timedelta(days=1), time(), UTC))
    return stmt


def events(db: Session, f: AuditFilters, *, limit: int, offset: int = 0) -> list[AuditEvent]:
    return list(db.exec(_stmt(f).order_by(col(AuditEvent.seq).desc()).offset(offset).limit(limit)).all())


def neutralise(value: Any) -> str:
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(_FORMULA_START) else s


def csv_rows(db: Session, f: AuditFilters, *, batch: int = 2000) -> Iterator[str]:
    """The CSV in chunks, oldest first, so an inspection export of the whole chain streams."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_FIELDS)
    last = 0
    while True:
        rows = db.exec(_stmt(f).where(col(AuditEvent.seq) > last)
                       .order_by(col(AuditEvent.seq)).limit(batch)).all()
        for ev in rows:
            w.writerow([neutralise(v) for v in (
                ev.seq, ev.at.isoformat(), ev.actor, ev.action, ev.subject_type, ev.subject_id,
                json.dumps(ev.detail, ensure_ascii=False, sort_keys=True) if ev.detail is not None else "",
                ev.prev_hash, ev.hash)])
            last = ev.seq
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
        if len(rows) < batch:
            return
