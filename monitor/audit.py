"""The tamper-evident audit trail: an append-only hash chain of AuditEvents.

Each event stores the hash of the previous one and its own hash over a canonical JSON
form of its fields. ``verify`` walks the chain in ``seq`` order and reports the first
place where an event was changed (its hash no longer matches), removed (a gap in
``seq`` or a broken link) or reordered (a broken link).

Why a global sequence under a lock? A chain needs one order. On PostgreSQL appends take a
transaction-scoped advisory lock, so two daemon processes append one after the other; on
SQLite every write transaction already holds the database write lock (BEGIN IMMEDIATE).
The unique ``seq`` constraint is the last line of defence.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from monitor.clock import ensure_utc, utcnow
from monitor.models import AuditEvent

GENESIS = "0" * 64
_PG_LOCK_KEY = 0x5AFE_A0D1  # advisory lock id for audit appends


def _canonical(seq: int, at: datetime, actor: str, action: str, subject_type: str,
               subject_id: str, detail: Any, prev_hash: str) -> bytes:
    at_utc = ensure_utc(at)
    assert at_utc is not None
    body = {
        "seq": seq,
        "at": at_utc.isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "detail": detail,
        "prev": prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8")


def event_hash(ev: AuditEvent) -> str:
    return hashlib.sha256(
        _canonical(ev.seq, ev.at, ev.actor, ev.action, ev.subject_type, ev.subject_id,
                   ev.detail, ev.prev_hash)
    ).hexdigest()


def _lock_chain(session: Session) -> None:
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=_PG_LOCK_KEY))  # type: ignore[call-overload]


def _tail(session: Session) -> tuple[int, str]:
    last = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(1)).first()
    return (last.seq, last.hash) if last else (0, GENESIS)


def append(session: Session, *, actor: str, action: str, subject_type: str = "",
           subject_id: str | int = "", detail: dict[str, Any] | None = None,
           at: datetime | None = None) -> AuditEvent:
    """Append one event in the caller's transaction (it commits with the change it records)."""
    return append_many(session, [(actor, action, subject_type, str(subject_id), detail)], at=at)[0]


def append_many(session: Session, events: Iterable[tuple[str, str, str, str, dict[str, Any] | None]],
                *, at: datetime | None = None) -> list[AuditEvent]:
    _lock_chain(session)
    seq, prev = _tail(session)
    when = ensure_utc(at) or utcnow()
    # Round-trip precision: both databases keep microseconds.
    out: list[AuditEvent] = []
    for actor, action, subject_type, subject_id, detail in events:
        seq += 1
        ev = AuditEvent(seq=seq, at=when, actor=actor, action=action, subject_type=subject_type,
                        subject_id=str(subject_id), detail=_jsonable(detail), prev_hash=prev, hash="")
        ev.hash = event_hash(ev)
        prev = ev.hash
        session.add(ev)
        out.append(ev)
    session.flush()
    return out


def _jsonable(detail: dict[str, Any] | None) -> dict[str, Any] | None:
    if detail is None:
        return None
    return json.loads(json.dumps(detail, default=str))


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events: int
    problem: str | None = None
    at_seq: int | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.events} events"
        return f"audit chain BROKEN at seq {self.at_seq}: {self.problem}"


def verify(session: Session, *, batch: int = 5000) -> VerifyResult:
    """Walk the whole chain; stop at the first problem and say where and what."""
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    last_id = None
    total = session.exec(select(func.count()).select_from(AuditEvent)).one()
    offset = 0
    while True:
        rows = session.exec(
            select(AuditEvent).order_by(col(AuditEvent.seq)).offset(offset).limit(batch)
        ).all()
        if not rows:
            break
        offset += len(rows)
        for ev in rows:
            count += 1
            if ev.seq != expected_seq:
                kind = "missing" if ev.seq > expected_seq else "duplicated or reordered"
                return VerifyResult(False, total, f"event seq {expected_seq} {kind} "
                                    f"(found seq {ev.seq} next)", expected_seq)
            if ev.prev_hash != prev_hash:
                return VerifyResult(False, total, "link to previous event broken "
                                    "(an event before it was removed, changed or reordered)", ev.seq)
            if event_hash(ev) != ev.hash:
                return VerifyResult(False, total, f"event content changed "
                                    f"(action {ev.action!r}, subject {ev.subject_type}:{ev.subject_id})",
                                    ev.seq)
            prev_hash = ev.hash
            expected_seq += 1
            last_id = ev.id
    del last_id
    return VerifyResult(True, count)
