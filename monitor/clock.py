"""Time comes from here, so tests can move it (escalation, deadlines, back-off).

All times are timezone-aware UTC. SQLModel's ``UTCDateTime`` column type refuses naive
values and hands back aware UTC from both SQLite and PostgreSQL, so one convention holds
end to end. Display code converts to Europe/London.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    return _now_fn()


def _real_now() -> datetime:
    return datetime.now(UTC)


_now_fn = _real_now


class FrozenClock:
    """A controllable clock for tests: ``with FrozenClock(t) as clock: clock.advance(minutes=5)``."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or _real_now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def __enter__(self) -> "FrozenClock":
        global _now_fn
        self._previous = _now_fn
        _now_fn = self
        return self

    def __exit__(self, *exc: object) -> None:
        global _now_fn
        _now_fn = self._previous


def ensure_utc(value: datetime | None) -> datetime | None:
    """Aware UTC; a naive value is taken to be UTC already (platform APIs, SQLite)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
