"""The report's charts, drawn with matplotlib into PNG bytes.

Why ``Figure`` and not ``pyplot``? pyplot keeps global state and is not thread-safe; the
web app and the daemon draw from worker threads. The Agg canvas needs no display.
Colours are fixed per category and severity, so the same colour means the same thing in
every chart and every month.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from monitor.records.report_data import MonthlyFigures

CATEGORY_COLOURS = {"safeguarding": "#8b0000", "child_identification": "#6a3d9a",
                    "abuse": "#c0392b", "complaint": "#1f77b4", "personal_data": "#2ca02c"}
SEVERITY_COLOURS = {"critical": "#8b0000", "high": "#c0392b", "medium": "#b9770e", "low": "#2e7d32"}
LABELS = {"child_identification": "child identifiable", "personal_data": "personal data"}
SIZE = (7.0, 2.6)  # inches
DPI = 110


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _empty(ax, text: str) -> None:  # type: ignore[no-untyped-def]
    ax.text(0.5, 0.5, text, ha="center", va="center", color="#5f6368", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def items_chart(f: MonthlyFigures) -> bytes:
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title("Items watched per platform", loc="left", fontsize=10)
    if f.items_per_platform:
        names = list(f.items_per_platform)[::-1]
        values = [f.items_per_platform[n] for n in names]
        bars = ax.barh(names, values, color="#243447")
        ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=3, fontsize=8)
        ax.set_xlim(0, max(values) * 1.18)
        ax.tick_params(labelsize=8)
    else:
        _empty(ax, "no items were captured this month")
    return _png(fig)


def _stacked(title: str, weeks: list[str], series: dict[str, list[int]],
             colours: dict[str, str]) -> bytes:
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title, loc="left", fontsize=10)
    if series:
        bottom = [0] * len(weeks)
        for name, values in series.items():
            ax.bar(weeks, values, bottom=bottom, label=LABELS.get(name, name),
                   color=colours.get(name, "#7f7f7f"))
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        ax.set_xlabel("week beginning", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        _empty(ax, "no cases this month")
    return _png(fig)


def category_chart(f: MonthlyFigures) -> bytes:
    return _stacked("Cases opened per week, by category", f.weeks, f.category_by_week, CATEGORY_COLOURS)


def severity_chart(f: MonthlyFigures) -> bytes:
    return _stacked("Cases opened per week, by severity", f.weeks, f.severity_by_week, SEVERITY_COLOURS)


def acknowledge_chart(f: MonthlyFigures) -> bytes:
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title("Hours to acknowledge, by severity (median and worst)", loc="left", fontsize=10)
    sev = [s for s in ("critical", "high", "medium", "low") if s in f.ack_by_severity
           and f.ack_by_severity[s].count]
    if sev:
        med = [f.ack_by_severity[s].median_hours or 0 for s in sev]
        worst = [f.ack_by_severity[s].worst_hours or 0 for s in sev]
        xs = range(len(sev))
        ax.bar([x - 0.2 for x in xs], med, width=0.4, label="median",
               color=[SEVERITY_COLOURS[s] for s in sev])
        ax.bar([x + 0.2 for x in xs], worst, width=0.4, label="worst", color="#bbbbbb",
               edgecolor=[SEVERITY_COLOURS[s] for s in sev])
        ax.set_xticks(list(xs), sev)
        ax.legend(fontsize=7, frameon=False)
        ax.tick_params(labelsize=8)
    else:
        _empty(ax, "no case was acknowledged this month")
    return _png(fig)


CHARTS = {"items": items_chart, "categories": category_chart, "severities": severity_chart,
          "acknowledge": acknowledge_chart}


def all_charts(f: MonthlyFigures) -> dict[str, bytes]:
    return {name: draw(f) for name, draw in CHARTS.items()}
