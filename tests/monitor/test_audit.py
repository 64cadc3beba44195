"""The audit trail is a hash chain: any change, removal or reordering is found and located."""

from __future__ import annotations

from sqlalchemy import text

from monitor import audit
from monitor.db import session_scope


def _chain(engine, n: int = 5) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        for i in range(n):
            audit.append(s, actor="tester", action="case.viewed", subject_type="case",
                         subject_id=i, detail={"i": i, "note": "ünïcode ✓"})


def test_an_untouched_chain_verifies(engine) -> None:  # type: ignore[no-untyped-def]
    """Events written in separate transactions form one intact chain."""
    _chain(engine)
    with session_scope(engine) as s:
        result = audit.verify(s)
    assert result.ok and result.events == 5


def test_a_changed_event_is_found(engine) -> None:  # type: ignore[no-untyped-def]
    """Editing an event's actor breaks its own hash at that seq."""
    _chain(engine)
    with session_scope(engine) as s:
        s.exec(text("UPDATE auditevent SET actor = 'mallory' WHERE seq = 3"))  # type: ignore[call-overload]
    with session_scope(engine) as s:
        r = audit.verify(s)
    assert not r.ok and r.at_seq == 3 and "changed" in (r.problem or "")


def test_a_removed_event_is_found(engine) -> None:  # type: ignore[no-untyped-def]
    """Deleting an event leaves a gap in the sequence."""
    _chain(engine)
    with session_scope(engine) as s:
        s.exec(text("DELETE FROM auditevent WHERE seq = 2"))  # type: ignore[call-overload]
    with session_scope(engine) as s:
        r = audit.verify(s)
    assert not r.ok and r.at_seq == 2 and "missing" in (r.problem or "")


def test_reordered_events_are_found(engine) -> None:  # type: ignore[no-untyped-def]
    """Swapping two events' sequence numbers breaks the links."""
    _chain(engine)
    with session_scope(engine) as s:
        s.exec(text("UPDATE auditevent SET seq = 100 WHERE seq = 2"))  # type: ignore[call-overload]
        s.exec(text("UPDATE auditevent SET seq = 2 WHERE seq = 4"))  # type: ignore[call-overload]
        s.exec(text("UPDATE auditevent SET seq = 4 WHERE seq = 100"))  # type: ignore[call-overload]
    with session_scope(engine) as s:
        r = audit.verify(s)
    assert not r.ok and r.at_seq == 2
