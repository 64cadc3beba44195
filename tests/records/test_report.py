"""The monthly report: figures from a month of synthetic data, charts that are really in the
PDF (rasterised with pdftoppm), and no safeguarding content in a Setting Manager's copy."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from matplotlib.image import imread
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.config import Config
from monitor.db import session_scope
from monitor.models import Case, Item
from monitor.records.report import Report, build_report
from monitor.records.report_data import month_bounds, previous_month
from monitor.records.synthetic import SAFEGUARDING_MARK, populate

NOW = datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None,
                                   reason="pdftoppm missing: apt-get install poppler-utils")


@pytest.fixture
def month_db(db: Engine) -> Engine:
    with session_scope(db) as s:
        populate(s, month="2026-10", items=1500, cases=150)
    return db


def _report(db: Engine, cfg: Config, **kw: object) -> Report:
    with session_scope(db) as s:
        return build_report(s, cfg, month="2026-10", now=NOW, **kw)  # type: ignore[arg-type]


def _pages(pdf: bytes, tmp_path: Path, dpi: int = 40) -> list:  # type: ignore[type-arg]
    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(tmp_path / "r.pdf"), str(tmp_path / "page")],
                   check=True, timeout=60)
    return [imread(p) for p in sorted(tmp_path.glob("page-*.png"))]


def test_month_bounds_follow_uk_time() -> None:
    """October 2026 starts at 23:00 UTC on 30 September (BST) and ends at midnight GMT."""
    start, end, _ = month_bounds("2026-10")
    assert start == datetime(2026, 9, 30, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    assert previous_month(datetime(2026, 11, 1, 0, 30, tzinfo=UTC)) == "2026-10"


def test_figures_add_up_for_a_synthetic_month(month_db: Engine, cfg: Config) -> None:
    """Items per platform, cases by category and severity, and timings are all filled in."""
    f = _report(month_db, cfg).figures
    assert f.items_total == 1500 and f.cases_total == 150
    assert sum(f.by_severity.values()) == 150
    assert set(f.items_per_platform) == {"facebook", "instagram", "youtube", "x"}
    assert f.acknowledge.median_hours is not None and f.acknowledge.worst_hours >= f.acknowledge.median_hours  # type: ignore[operator]
    assert f.decided > 0 and 0 < (f.false_positive_rate or 0) < 1
    assert sum(sum(v) for v in f.severity_by_week.values()) == 150
    assert any(c.health == "degraded" for c in f.connectors)


@needs_poppler
def test_the_pdf_shows_every_chart(month_db: Engine, cfg: Config, tmp_path: Path) -> None:
    """Each chart's box in the rasterised PDF has ink in several colours (it is not blank)."""
    report = _report(month_db, cfg)
    pages = _pages(report.pdf, tmp_path)
    assert {name for name, *_ in report.chart_boxes} == {"items", "categories", "severities", "acknowledge"}
    for name, page, x, y, w, h in report.chart_boxes:
        img = pages[page - 1]
        scale = img.shape[1] / 595.27  # A4 width in points
        top = int((842.89 - y - h) * scale)
        crop = img[top:top + int(h * scale), int(x * scale):int((x + w) * scale), :3]
        ink = (crop.min(axis=2) < 0.9).mean()
        colours = {tuple((px * 4).round()) for px in crop.reshape(-1, 3)[::7]}
        assert ink > 0.05, f"chart {name} looks blank ({ink:.1%} ink)"
        assert len(colours) >= 4, f"chart {name} has too few colours"


@needs_poppler
def test_a_setting_managers_report_holds_no_safeguarding_case(month_db: Engine, cfg: Config,
                                                               tmp_path: Path) -> None:
    """Not the text, not the count: safeguarding cases are absent from a manager's report."""
    report = _report(month_db, cfg, location_id="oakfield", include_safeguarding=False)
    f = report.figures
    with session_scope(month_db) as s:
        expected = [c for c in s.exec(select(Case).where(Case.location_id == "oakfield"))
                    if "safeguarding" not in c.categories]
        marked = [i.text for i in s.exec(select(Item)) if SAFEGUARDING_MARK in (i.text or "")]
    assert marked, "the synthetic month must contain safeguarding text to hide"
    assert f.cases_total == len(expected) and "safeguarding" not in f.by_category
    assert all("safeguarding" not in c.categories for c in f.open_cases)
    (tmp_path / "m.pdf").write_bytes(report.pdf)
    pdf_text = subprocess.run(["pdftotext", str(tmp_path / "m.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
    for out in (report.html(), pdf_text):
        assert SAFEGUARDING_MARK not in out and "hits me" not in out
    assert "not included in this report" in pdf_text


def test_the_organisation_report_never_prints_safeguarding_text(month_db: Engine, cfg: Config) -> None:
    """Even the DSL's copy lists safeguarding cases without their words (it is e-mailed)."""
    report = _report(month_db, cfg)
    assert SAFEGUARDING_MARK not in report.html()
    assert all(c.excerpt.startswith("[safeguarding") for c in report.figures.open_cases
               if "safeguarding" in c.categories)


def test_public_text_in_the_html_report_is_escaped(db: Engine, cfg: Config) -> None:
    """A comment with markup appears as text in the HTML report, never as markup."""
    with session_scope(db) as s:
        populate(s, month="2026-10", items=20, cases=20, seed=3)
        for it in s.exec(select(Item)):
            it.text = '<script>alert(1)</script><img src=x onerror=alert(2)> unacceptable'
            s.add(it)
    html = _report(db, cfg).html()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_empty_month_still_renders(db: Engine, cfg: Config) -> None:
    """A month with nothing in it gives a report saying so, not an error."""
    report = _report(db, cfg)
    assert report.figures.cases_total == 0 and report.pdf.startswith(b"%PDF")
