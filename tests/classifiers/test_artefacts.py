"""The shipped artefacts load offline, stay small, and meet measured floors.

Floors are the figures measured on the domain dev split (never trained on) with a small
margin for run-to-run noise; see classifiers/artefacts/encoder/MODEL_CARD.md.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from classifiers.encoder import ARTEFACT_DIR
from tests.classifiers.conftest import DOMAIN_DEV, SHARED_DATA

ARTEFACTS = ARTEFACT_DIR.parent

# measured on domain dev (see MODEL_CARD.md), minus a small margin
FLOOR_SAFEGUARDING_RECALL = 0.92  # measured 0.949 (mix v23 ×4 seeds; 0.923 with v8)
FLOOR_CHILD_RECALL = 0.93  # measured 0.961 (v23 and v8)
FLOOR_CHILD_SPAN_RECALL = 0.89  # measured 0.902 (mix v23; 0.917 with v8, 0.910 with v7)
FLOOR_MACRO_F1 = 0.84  # measured 0.857 (mix v23; 0.861 with v8, 0.840 with v7, 0.804 with v1)
CEILING_FALSE_ALARMS = 0.05  # measured 0.042 (mix v23, and v8 + fifth session's name rules; 0.052 with
# signed int8 weights on an AVX2-only CPU, see classifiers/training/export.py)
FLOOR_EVASION_LABEL_RECALL = 0.80  # measured 0.889 (16 dev items; 0.944 with v8)
FLOOR_TWEETEVAL_OFFENSIVE = 0.76  # measured 0.788 (mix v23; 0.776 with v8, 0.794 with v7)
FLOOR_TWEETEVAL_HATE = 0.49  # measured 0.503 (v23; 0.521 with v8, 0.517 with v7); published best 0.564
FLOOR_HATEXPLAIN = 0.53  # 3-class, measured 0.552 (v23); published 0.687 (BERT-HateXplain)
# measured on the three held-out sets (classifiers/training/heldout_*.jsonl): macro-F1 and
# safeguarding recall floors per set
FLOOR_HELDOUT = {
    "heldout_written": (0.76, 0.85),  # measured 0.790 / 0.90 (18 of 20), mix v23; v8 0.774 / 0.85
    "heldout_second_author": (0.82, 0.90),  # measured 0.849 / 0.943 (33 of 35), mix v23; v8 0.822 / 0.886
    "heldout_third_author": (0.85, 0.94),  # measured 0.879 / 0.971 (34 of 35), mix v23
}


def test_artefacts_are_small_and_have_model_cards() -> None:
    """Everything shipped stays under 30 MB and every model has a card."""
    total = sum(p.stat().st_size for p in ARTEFACTS.rglob("*") if p.is_file())
    assert total < 30 * 1024 * 1024
    assert (ARTEFACT_DIR / "MODEL_CARD.md").exists()
    assert (ARTEFACT_DIR / "model.int8.onnx").exists()


def test_run_time_does_not_import_torch(default_classifiers: list[Any]) -> None:
    """The daemon runs the encoder with tokenizers + onnxruntime only."""
    assert "torch" not in sys.modules or "classifiers.training.model" in sys.modules


@pytest.fixture(scope="module")
def dev_report(default_classifiers: list[Any]) -> dict[str, Any]:
    from classifiers.evaluate import evaluate
    from classifiers.run import classify_items
    from classifiers.training.data import read_jsonl

    if not DOMAIN_DEV.exists():
        pytest.skip("shared domain data not present")
    items = read_jsonl(DOMAIN_DEV)
    return evaluate(items, list(classify_items(items, default_classifiers)))


def test_safeguarding_recall_on_dev_meets_floor(dev_report: dict[str, Any]) -> None:
    """A missed disclosure is far worse than a false alarm."""
    assert dev_report["all"]["per_category"]["safeguarding"]["recall"] >= FLOOR_SAFEGUARDING_RECALL


def test_child_identification_recall_and_span_recall_meet_floor(dev_report: dict[str, Any]) -> None:
    """Children are found, and the evidence points at the identifying details."""
    allr = dev_report["all"]
    assert allr["per_category"]["child_identification"]["recall"] >= FLOOR_CHILD_RECALL
    assert allr["child_span_recall"] >= FLOOR_CHILD_SPAN_RECALL


def test_macro_f1_and_false_alarms_meet_floor(dev_report: dict[str, Any]) -> None:
    """Overall quality, and a Setting Manager not drowning in alerts."""
    assert dev_report["all"]["macro_f1"] >= FLOOR_MACRO_F1
    assert dev_report["all"]["false_alarm_rate"] <= CEILING_FALSE_ALARMS


def test_evasion_items_are_found(dev_report: dict[str, Any]) -> None:
    """Leetspeak, spacing, look-alikes and zero-width characters do not hide a category."""
    assert dev_report["evasion"]["label_recall"] >= FLOOR_EVASION_LABEL_RECALL


def test_evasion_scores_within_five_points_of_plain(dev_report: dict[str, Any]) -> None:
    """An evasion variant is found about as often as a plainly written item."""
    plain = dev_report["plain_flagged"]["label_recall"]
    assert dev_report["evasion"]["label_recall"] >= plain - 0.05


@pytest.mark.parametrize("name,floor", [("tweeteval_offensive", FLOOR_TWEETEVAL_OFFENSIVE),
                                        ("tweeteval_hate", FLOOR_TWEETEVAL_HATE)])
def test_public_test_split_meets_floor(name: str, floor: float) -> None:
    """The benchmark heads hold their TweetEval test figures (never trained on test)."""
    from classifiers.public_eval import evaluate_public

    path = SHARED_DATA / "public" / name / "test.jsonl"
    if not path.exists():
        pytest.skip("shared public data not present")
    assert evaluate_public(path)["macro_f1"] >= floor


def test_hatexplain_three_classes_use_thresholds_from_its_dev_split() -> None:
    """HateXplain is scored on its own question (hate speech / offensive / normal) with the
    hate and offensive heads, at thresholds chosen on its dev split, never on test."""
    from classifiers.encoder import shared_runtime
    from classifiers.public_eval import evaluate_public, three_class_thresholds

    path = SHARED_DATA / "public" / "hatexplain" / "test.jsonl"
    if not path.exists():
        pytest.skip("shared public data not present")
    result = evaluate_public(path)
    dev_th = three_class_thresholds(shared_runtime(), "hatexplain", path.with_name("dev.jsonl"))
    assert tuple(result["thresholds"].values()) == dev_th
    assert result["macro_f1"] >= FLOOR_HATEXPLAIN


@pytest.mark.parametrize("key", list(FLOOR_HELDOUT))
def test_wording_other_than_the_templates_is_read(default_classifiers: list[Any], key: str) -> None:
    """Each held-out set (free-form, never trained on; the second by an author who saw no
    template) holds its measured figures: a model that had learned the templates' shapes
    rather than the harms would not."""
    from classifiers.evaluate import evaluate
    from classifiers.run import classify_items
    from classifiers.training.card import HELDOUT_SETS
    from classifiers.training.data import read_jsonl

    items = read_jsonl(HELDOUT_SETS[key])
    report = evaluate(items, list(classify_items(items, default_classifiers)))["all"]
    macro, safeguarding = FLOOR_HELDOUT[key]
    assert report["macro_f1"] >= macro
    assert report["per_category"]["safeguarding"]["recall"] >= safeguarding
