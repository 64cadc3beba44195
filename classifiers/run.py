"""Classify items in the categories.md item shape and produce the ``classify`` output.

Used by ``safeguard classify``, ``eval`` and ``bench classify``; needs no database and no
configuration (the built-in :meth:`SettingContext.default`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from classifiers.base import Classifier, ClassifierInput, Detection
from classifiers.severity import item_severity
from monitor.types import AuthorRole, Category, ItemKind

CHUNK = 512


def to_input(item: dict[str, Any], index: int = 0) -> ClassifierInput:
    """A labelled-set or pipeline item (dict) as classifier input; unknown enums default."""
    role = item.get("author_role") or "public"
    kind = item.get("kind") or "comment"
    return ClassifierInput(
        id=str(item.get("id", index)),
        text=str(item.get("text") or ""),
        context=item.get("context") or None,
        context_author=item.get("context_author") or None,
        author_role=AuthorRole(role) if role in AuthorRole._value2member_map_ else AuthorRole.PUBLIC,
        kind=ItemKind(kind) if kind in ItemKind._value2member_map_ else ItemKind.COMMENT,
        platform=str(item.get("platform") or "unknown"),
        location=item.get("location"),
    )


def output_record(inp: ClassifierInput, detections: Sequence[Detection]) -> dict[str, Any]:
    """The ``classify`` line for one item."""
    order = list(Category)
    labels = sorted({d.category for d in detections}, key=order.index)
    scores: dict[str, float] = {}
    spans: list[dict[str, Any]] = []
    for d in detections:
        scores[d.category.value] = max(scores.get(d.category.value, 0.0), round(d.score, 4))
        for s in d.spans:
            spans.append({"start": s.start, "end": s.end, "type": s.type,
                          "category": d.category.value})
    spans.sort(key=lambda s: (s["start"], s["end"]))
    sev = item_severity(detections, inp)
    return {"id": inp.id, "labels": [c.value for c in labels], "scores": scores,
            "spans": spans, "severity": sev.value if sev else None}


def classify_items(items: Iterable[dict[str, Any]], classifiers: Sequence[Classifier],
                   chunk: int = CHUNK) -> Iterator[dict[str, Any]]:
    """Stream output records, classifying ``chunk`` items at a time."""
    buf: list[ClassifierInput] = []
    for i, item in enumerate(items):
        buf.append(to_input(item, i))
        if len(buf) >= chunk:
            yield from _flush(buf, classifiers)
            buf = []
    if buf:
        yield from _flush(buf, classifiers)


def _flush(buf: list[ClassifierInput], classifiers: Sequence[Classifier]) -> Iterator[dict[str, Any]]:
    per_item: list[list[Detection]] = [[] for _ in buf]
    for clf in classifiers:
        for k, dets in enumerate(clf.classify_batch(buf)):
            per_item[k].extend(dets)
    for inp, dets in zip(buf, per_item):
        yield output_record(inp, dets)
