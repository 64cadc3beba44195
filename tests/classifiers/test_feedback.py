"""Reviewer feedback becomes labelled examples for training and evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifiers.feedback import feedback_items, load_feedback_file
from classifiers.training.data import training_examples


def test_feedback_rows_are_normalised_to_the_item_shape() -> None:
    """A dismissal ('not abuse') becomes a true negative in the categories.md shape."""
    rows = feedback_items([{"id": "f1", "text": "fight me 😂 best cake ever", "labels": []}])
    assert rows == [{"id": "f1", "platform": "unknown", "kind": "comment",
                     "author_role": "public", "context": None,
                     "text": "fight me 😂 best cake ever", "labels": [], "spans": []}]


def test_unknown_labels_are_rejected_loudly() -> None:
    """A typo in a label would silently teach the wrong thing."""
    with pytest.raises(ValueError, match="unknown labels"):
        feedback_items([{"id": "f2", "text": "x", "labels": ["abuze"]}])


def test_feedback_file_is_added_to_the_training_mix(tmp_path: Path) -> None:
    """safeguard train --feedback FILE includes the reviewer's examples."""
    path = tmp_path / "fb.jsonl"
    path.write_text(json.dumps({"id": "f3", "text": "Reviewer says: not personal data",
                                "labels": []}) + "\n")
    fb = load_feedback_file(path)
    examples = training_examples(feedback=fb)
    assert sum(e.source == "feedback" for e in examples) >= 1
