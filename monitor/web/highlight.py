"""Evidence highlighting without ever building HTML from public text.

The text is split at span boundaries into plain-string segments, each tagged with the
span types covering it; the template wraps tagged segments in ``<mark>`` and Jinja's
autoescape escapes every character of the text. Invisible and direction-changing
characters (U+202E RIGHT-TO-LEFT OVERRIDE, zero-width spaces, …) are split out as their
own runs and shown as a visible code such as ``[U+202E]``: a reviewer must see what was
really posted, and such characters must not be able to reorder the page around them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

# Bidi controls, zero-width characters, BOM, soft hyphen, and other format (Cf) chars.
_ALWAYS_SHOWN = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x061C, 0x180E}


def is_hidden_char(ch: str) -> bool:
    cp = ord(ch)
    if cp in _ALWAYS_SHOWN or 0x202A <= cp <= 0x202E or 0x2066 <= cp <= 0x2069 or cp in (0x200E, 0x200F):
        return True
    cat = unicodedata.category(ch)
    return cat == "Cf" or (cat == "Cc" and ch not in "\n\t")


@dataclass(frozen=True)
class Run:
    """A piece of text: ``hidden`` runs are shown as their code points, not as text."""

    text: str
    hidden: bool = False

    @property
    def codes(self) -> str:
        return " ".join(f"[U+{ord(c):04X}]" for c in self.text)


@dataclass(frozen=True)
class Segment:
    runs: tuple[Run, ...]
    types: tuple[str, ...] = ()

    @property
    def marked(self) -> bool:
        return bool(self.types)


def runs(text: str) -> tuple[Run, ...]:
    out: list[Run] = []
    buf: list[str] = []
    hidden = False
    for ch in text:
        h = is_hidden_char(ch)
        if buf and h != hidden:
            out.append(Run("".join(buf), hidden))
            buf = []
        hidden = h
        buf.append(ch)
    if buf:
        out.append(Run("".join(buf), hidden))
    return tuple(out)


def segments(text: str | None, spans: list[dict[str, Any]], *, limit: int | None = None) -> list[Segment]:
    """Split ``text`` (cut at ``limit`` characters) at the span boundaries."""
    text = text or ""
    if limit is not None:
        text = text[:limit]
    n = len(text)
    clean: list[tuple[int, int, str]] = []
    for s in spans or []:
        try:
            start, end = max(int(s.get("start", 0)), 0), min(int(s.get("end", 0)), n)
        except (TypeError, ValueError, AttributeError):
            continue
        if start < end:
            clean.append((start, end, str(s.get("type", "evidence"))[:40]))
    cuts = sorted({0, n, *(a for a, _, _ in clean), *(b for _, b, _ in clean)})
    out: list[Segment] = []
    for a, b in pairwise(cuts):
        types = tuple(sorted({t for s, e, t in clean if s <= a and b <= e}))
        out.append(Segment(runs(text[a:b]), types))
    return out


def has_hidden(text: str | None) -> bool:
    return any(is_hidden_char(c) for c in (text or ""))
