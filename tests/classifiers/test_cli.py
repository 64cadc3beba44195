"""The classifier CLI: classify and eval work without a database or configuration."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from classifiers.cli import register
from classifiers.registry import DEFAULT_SET, available, build_classifiers


def _app() -> typer.Typer:
    app, bench = typer.Typer(), typer.Typer()
    app.add_typer(bench, name="bench")
    register(app, bench)
    return app


def test_registry_names_are_stable_and_default_expands() -> None:
    """Names are storage keys: the default set and the baseline keep their names."""
    assert available()[0] == "default"
    assert set(DEFAULT_SET) == {"policy_encoder", "child_identification", "personal_data"}
    assert "keyword" in available()
    assert [c.name for c in build_classifiers(["default", "keyword"])] == [*DEFAULT_SET, "keyword"]


def test_classify_reads_json_lines_and_writes_one_record_per_item(tmp_path: Path) -> None:
    """Each input line gives one output line with id, labels, scores, spans, severity."""
    items = [
        {"id": "a", "text": "Lovely photos, thank you!", "context": None},
        {"id": "b", "text": "text me on 07700 900123 about the bike", "author_role": "public",
         "labels": ["ignored"], "spans": []},
    ]
    src = tmp_path / "items.jsonl"
    src.write_text("\n".join(json.dumps(i) for i in items) + "\n")
    result = CliRunner().invoke(_app(), ["classify", str(src)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert [r["id"] for r in lines] == ["a", "b"]
    for r in lines:
        assert set(r) == {"id", "labels", "scores", "spans", "severity"}
    assert lines[0]["labels"] == [] and lines[0]["severity"] is None
    assert "personal_data" in lines[1]["labels"]
    assert all({"start", "end", "type", "category"} == set(s) for s in lines[1]["spans"])


def test_classify_reads_stdin() -> None:
    """'-' reads the items from standard input."""
    result = CliRunner().invoke(_app(), ["classify", "-"],
                                input=json.dumps({"id": "x", "text": "hello"}) + "\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["id"] == "x"


def test_eval_round_trip_reports_every_figure(tmp_path: Path) -> None:
    """eval --json gives per-category P/R/F1, macro-F1, false alarms, span recall, evasion."""
    items = [
        {"id": "dom-0040", "text": "that kid doing the worm is s o  u g l y lmaooo",
         "labels": ["abuse"], "spans": [{"start": 27, "end": 38, "type": "insult"}]},
        {"id": "n1", "text": "What time does breakfast club open?", "labels": [], "spans": []},
        {"id": "c1", "text": "Well done Amelia in Year 3 at Oakfield for winning our Lego challenge!",
         "author_role": "organisation", "kind": "post", "labels": ["child_identification"],
         "spans": [{"start": 10, "end": 16, "type": "child_name"},
                   {"start": 20, "end": 26, "type": "age"}]},
    ]
    src = tmp_path / "gold.jsonl"
    src.write_text("\n".join(json.dumps(i) for i in items) + "\n")
    result = CliRunner().invoke(_app(), ["eval", str(src), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"all", "evasion", "plain_flagged"}
    allr = report["all"]
    assert set(allr["per_category"]) == {"safeguarding", "child_identification", "abuse",
                                         "complaint", "personal_data"}
    for key in ("macro_f1", "false_alarm_rate", "child_span_recall", "label_recall"):
        assert key in allr
    table = CliRunner().invoke(_app(), ["eval", str(src)])
    assert "macro-F1" in table.output and "span recall" in table.output
