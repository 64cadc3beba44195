"""Shared PDF pieces: a Unicode font and text made safe for reportlab.

Why escape? reportlab's ``Paragraph`` parses a small XML dialect (``<font>``, ``<a href>``,
``<img src>``, ``<link>``): a public comment containing such tags would otherwise change
the document — hide text, add links or pull in files from disk. Every piece of text that
is not our own literal goes through ``para_text``, which XML-escapes it, so markup in a
comment is printed as the characters the commenter typed.

Why DejaVu Sans? The built-in Helvetica covers Latin-1 only; names, look-alike letters and
emoji would turn into black boxes. matplotlib ships DejaVu Sans, so it is always present.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib
from reportlab.lib.styles import ParagraphStyle, StyleSheet1, getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from monitor.clock import ensure_utc

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
LONDON = ZoneInfo("Europe/London")


@lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register DejaVu Sans with reportlab once; returns the regular font's name."""
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(ttf / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(ttf / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    return FONT


def para_text(value: object, *, limit: int | None = None) -> str:
    """Untrusted text as Paragraph markup that shows it literally (escaped, line breaks kept)."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub("\ufffd", text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape(text, quote=True).replace("\r\n", "\n").replace("\n", "<br/>")


@lru_cache(maxsize=1)
def styles() -> StyleSheet1:
    font = register_fonts()
    ss = getSampleStyleSheet()
    for name in ("Normal", "BodyText", "Title", "Heading1", "Heading2", "Heading3", "Code"):
        ss[name].fontName = FONT_BOLD if name.startswith(("Title", "Heading")) else font
    ss.add(ParagraphStyle("Small", parent=ss["Normal"], fontSize=8, leading=10))
    ss.add(ParagraphStyle("Cell", parent=ss["Normal"], fontSize=8, leading=10, wordWrap="CJK"))
    return ss


def local_when(value: datetime | None) -> str:
    """A time as an inspector reads it: London time, day first."""
    v = ensure_utc(value)
    return v.astimezone(LONDON).strftime("%d %b %Y %H:%M") if v else "—"


def local_day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        v = ensure_utc(value)
        assert v is not None
        value = v.astimezone(LONDON).date()
    return value.strftime("%d %b %Y")
