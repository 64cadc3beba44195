"""The complaints log as an inspector asks for it: CSV and PDF for a date range and location.

Why neutralise cells in the CSV? A spreadsheet treats a cell starting with ``=``, ``+``,
``-``, ``@`` (or a tab or carriage return) as a formula; a complainant's text such as
``=HYPERLINK("http://evil", "click")`` would run when the inspector opens the file. Such
cells get a leading apostrophe (OWASP's advice), which spreadsheets show as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from monitor.models import Complaint
from monitor.records.complaints import deadline_state
from monitor.records.pdfsafe import local_day, local_when, para_text, styles

COLUMNS = ("Ref", "Case", "Location", "Received", "Respond by", "Complainant", "Summary",
           "Investigation", "Outcome", "Complainant told", "Status", "Deadline")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(c: Complaint, location: str, today: date) -> list[object]:
    return [c.id, c.case_id, location, c.received_on.isoformat(), c.respond_by.isoformat(),
            c.complainant or "", c.summary, c.investigation_notes or "", c.outcome or "",
            c.complainant_told_on.isoformat() if c.complainant_told_on else "", c.status,
            _deadline_words(c, today)]


def _deadline_words(c: Complaint, today: date) -> str:
    state = deadline_state(c, today)
    if state == "done":
        assert c.complainant_told_on is not None
        late = (c.complainant_told_on - c.respond_by).days
        return f"answered {late} day(s) late" if late > 0 else "answered in time"
    return {"overdue": "OVERDUE", "due_soon": "due soon", "open": "open"}[state]


def to_csv(rows: Sequence[Complaint], *, locations: dict[str, str], today: date) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for c in rows:
        w.writerow([csv_safe(v) for v in _row(c, locations.get(c.location_id or "", c.location_id or "organisation"), today)])
    return buf.getvalue()


def to_pdf(rows: Sequence[Complaint], *, organisation: str, locations: dict[str, str],
           start: date, end: date, location: str | None, today: date,
           generated_at: datetime) -> bytes:
    ss = styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm,
                            title="Complaints log", author=organisation)
    scope = locations.get(location or "", location) if location else "all locations"
    story: list = [
        Paragraph(f"Complaints log — {para_text(organisation)}", ss["Title"]),
        Paragraph(f"Received {local_day(start)} to {local_day(end)} · {para_text(scope)} · "
                  f"{len(rows)} complaint(s) · produced {local_when(generated_at)}", ss["Normal"]),
        Spacer(1, 4 * mm),
    ]
    cell = ss["Cell"]
    data = [[Paragraph(h, cell) for h in COLUMNS]]
    for c in rows:
        loc = locations.get(c.location_id or "", c.location_id or "organisation")
        data.append([Paragraph(para_text(v, limit=1500), cell) for v in _row(c, loc, today)])
    widths = [9, 11, 20, 18, 18, 22, 45, 38, 36, 18, 15, 20]  # mm; 270 of the 273 available
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story.append(table if rows else Paragraph("No complaints were received in this period.", ss["Normal"]))
    doc.build(story)
    return buf.getvalue()
