"""Reviewer dismissals become labelled data the classifier tools can read."""

from __future__ import annotations

import json
from pathlib import Path

from classifiers.feedback import load_feedback_file
from monitor.db import session_scope
from monitor.feedback import export_jsonl
from monitor.models import LabelledExample


def test_dismissals_export_in_the_item_shape_and_load_for_training(sqlite_engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A dismissed false positive round-trips as a true negative with its context."""
    with session_scope(sqlite_engine) as s:
        s.add(LabelledExample(platform="facebook", kind="comment", author_role="public",
                              context="Booking for half term?", text="dm me for the form",
                              labels=[], predicted=["safeguarding"], reason="booking question",
                              decided_by="dana"))
    out = tmp_path / "feedback.jsonl"
    with session_scope(sqlite_engine) as s:
        out.write_text("\n".join(export_jsonl(s)) + "\n")
    rows = load_feedback_file(out)
    assert rows[0]["labels"] == [] and rows[0]["context"] == "Booking for half term?"
    assert json.loads(out.read_text().splitlines()[0])["predicted"] == ["safeguarding"]
