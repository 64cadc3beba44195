"""Timestamp parsing shared by the connectors: every platform spells time differently.

All results are timezone-aware UTC datetimes; ``None`` in, ``None`` out, so a missing
field never becomes "now" by accident.
"""

from __future__ import annotations

from datetime import UTC, datetime


def parse_time(value: object) -> datetime | None:
    """ISO 8601 (``2021-07-21T21:05:14+0000``, ``...Z``, naive = UTC) or Unix seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), tz=UTC)
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), tz=UTC)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def epoch(value: datetime | None) -> int:
    """Whole Unix seconds, 0 for unknown (sorts first)."""
    return int(value.timestamp()) if value is not None else 0


def iso_z(value: datetime) -> str:
    """``2026-11-26T15:00:00Z``: the form Google, X and WordPress accept in queries."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
