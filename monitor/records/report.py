"""The monthly report as HTML (Jinja2, autoescaped) and PDF (reportlab + matplotlib PNGs).

One set of figures (``report_data.compute``) feeds both, so the page in the review app,
the PDF on the manager's desk and the e-mailed copy always agree.

The PDF records where each chart was drawn (``Report.chart_boxes``: page and box in
points); the tests rasterise the PDF and check those boxes are not blank.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlmodel import Session

from monitor.config import Config
from monitor.records.pdfsafe import local_when, para_text, styles
from monitor.records.report_charts import all_charts
from monitor.records.report_data import MonthlyFigures, compute

TEMPLATES = Path(__file__).with_name("templates")
CHART_TITLES = {"items": "Items watched per platform",
                "categories": "Cases opened per week, by category",
                "severities": "Cases opened per week, by severity",
                "acknowledge": "Hours to acknowledge, by severity"}


def hours(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 1:
        return f"{value * 60:.0f} min"
    if value < 48:
        return f"{value:.1f} h"
    return f"{value / 24:.1f} days"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def month_name(month: str) -> str:
    return date.fromisoformat(f"{month}-01").strftime("%B %Y")


def add_filters(env: Environment) -> Environment:
    env.filters.setdefault("when", local_when)
    env.filters["hours"] = hours
    env.filters["percent"] = percent
    return env


def make_env() -> Environment:
    return add_filters(Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                                   undefined=StrictUndefined))


def render_html(f: MonthlyFigures, chart_src: dict[str, str], *, env: Environment | None = None,
                template: str = "report_standalone.html", **extra: Any) -> str:
    return (env or make_env()).get_template(template).render(
        f=f, charts=chart_src, chart_titles=CHART_TITLES, month_name=month_name(f.month), **extra)


class _Chart(Image):
    """An Image that remembers where it was drawn (page, x, y, width, height in points)."""

    def __init__(self, name: str, png: bytes, boxes: list[tuple[str, int, float, float, float, float]],
                 width: float) -> None:
        from reportlab.lib.utils import ImageReader

        w, h = ImageReader(io.BytesIO(png)).getSize()
        super().__init__(io.BytesIO(png), width=width, height=width * h / w)
        self._name, self._boxes = name, boxes

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        self._boxes.append((self._name, canvas.getPageNumber(), x, y, self.drawWidth, self.drawHeight))
        super().drawOn(canvas, x, y, _sW)


def _kpi_table(f: MonthlyFigures) -> Table:
    cell = styles()["Cell"]
    esc = sum(f.escalations.values())
    tdn = sum(f.takedowns.values())
    rows = [
        ("Items watched", f"{f.items_total:,}", "Cases opened", str(f.cases_total)),
        ("Acknowledge: median / worst", f"{hours(f.acknowledge.median_hours)} / {hours(f.acknowledge.worst_hours)}"
         + (f" ({f.acknowledge.pending} not yet)" if f.acknowledge.pending else ""),
         "Resolve: median / worst", f"{hours(f.resolve.median_hours)} / {hours(f.resolve.worst_hours)}"
         + (f" ({f.resolve.pending} open)" if f.resolve.pending else "")),
        ("Escalations (referrals)", f"{esc} " + ", ".join(f"{k} {v}" for k, v in f.escalations.items()),
         "Take-downs", f"{tdn} " + ", ".join(f"{k} {v}" for k, v in f.takedowns.items())),
        ("False-positive rate", f"{percent(f.false_positive_rate)} ({f.dismissed} of {f.decided} decided)",
         "Complaints", (f"{f.complaints_received} received, {f.complaints_answered_in_time} in time, "
                       f"{f.complaints_overdue} overdue")),
    ]
    t = Table([[Paragraph(para_text(v), cell) for v in r] for r in rows],
              colWidths=[38 * mm, 52 * mm, 38 * mm, 52 * mm])
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                           ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f5")),
                           ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#eef1f5"))]))
    return t


def _grid(header: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
    cell = styles()["Cell"]
    t = Table([[Paragraph(h, cell) for h in header]] +
              [[Paragraph(para_text(v, limit=300), cell) for v in r] for r in rows],
              colWidths=[w * mm for w in widths], repeatRows=1)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                           ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return t


def render_pdf(f: MonthlyFigures, charts: dict[str, bytes]) -> tuple[bytes, list[tuple[str, int, float, float, float, float]]]:
    ss = styles()
    boxes: list[tuple[str, int, float, float, float, float]] = []
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm,
                            title=f"{f.scope} — {month_name(f.month)}", author=f.organisation)
    story: list[Flowable] = [
        Paragraph(f"{para_text(f.scope)} — {month_name(f.month)}", ss["Title"]),
        Paragraph(f"{para_text(f.organisation)} · monthly safeguarding monitor report · "
                  f"produced {local_when(f.generated_at)}", ss["Normal"]),
        Spacer(1, 3 * mm), _kpi_table(f), Spacer(1, 3 * mm),
    ]
    for name in CHART_TITLES:
        story.append(_Chart(name, charts[name], boxes, width=175 * mm))
    story += [Paragraph("Connector health", ss["Heading2"]),
              _grid(["Account", "Platform", "Health", "Last good poll", "Failures", "Items"],
                    [[r.account, r.platform, r.health + (f" — {r.detail}" if r.detail else ""),
                      local_when(r.last_success), r.failures, f"{r.items:,}"] for r in f.connectors],
                    [30, 22, 50, 32, 18, 24])]
    story += [Paragraph("Oldest cases still open", ss["Heading2"])]
    if f.open_cases:
        story.append(_grid(["Case", "Opened", "Severity", "Categories", "Where", "Excerpt (details masked)"],
                           [[f"#{c.id}", local_when(c.opened_at), c.severity, ", ".join(x.replace("_", " ") for x in c.categories),
                             c.location, c.excerpt] for c in f.open_cases], [14, 28, 18, 30, 28, 62]))
    else:
        story.append(Paragraph("None: every case opened this month has been decided.", ss["Normal"]))
    foot = ("Time to acknowledge: opened → first acknowledgement or decision. Time to resolve: "
            "opened → closed. False-positive rate: dismissed ÷ decided, cases opened this month.")
    if not f.include_safeguarding:
        foot += (" Safeguarding cases are reported to the Designated Safeguarding Lead only and "
                 "are not included in this report.")
    story += [Spacer(1, 3 * mm), Paragraph(foot, ss["Small"])]
    doc.build(story)
    return buf.getvalue(), boxes


@dataclass
class Report:
    figures: MonthlyFigures
    charts: dict[str, bytes]
    pdf: bytes
    chart_boxes: list[tuple[str, int, float, float, float, float]] = field(default_factory=list)

    def html(self, chart_src: dict[str, str] | None = None) -> str:
        return render_html(self.figures, chart_src or {n: f"chart-{n}.png" for n in self.charts})

    @property
    def slug(self) -> str:
        return f"report-{self.figures.month}-{self.figures.location_id or 'organisation'}"


def build_report(session: Session, config: Config, *, month: str, location_id: str | None = None,
                 include_safeguarding: bool = True, now: datetime) -> Report:
    f = compute(session, config, month=month, location_id=location_id,
                include_safeguarding=include_safeguarding, now=now)
    charts = all_charts(f)
    pdf, boxes = render_pdf(f, charts)
    return Report(f, charts, pdf, boxes)


def write_report(report: Report, out_dir: Path) -> list[Path]:
    """``<slug>.pdf``, ``<slug>.html`` and its chart PNGs (beside it, in ``<slug>-charts/``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    charts_dir = out_dir / f"{report.slug}-charts"
    charts_dir.mkdir(exist_ok=True)
    written = []
    for name, png in report.charts.items():
        p = charts_dir / f"{name}.png"
        p.write_bytes(png)
        written.append(p)
    html = out_dir / f"{report.slug}.html"
    html.write_text(report.html({n: f"{charts_dir.name}/{n}.png" for n in report.charts}), encoding="utf-8")
    pdf = out_dir / f"{report.slug}.pdf"
    pdf.write_bytes(report.pdf)
    return [pdf, html, *written]
