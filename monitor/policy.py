"""Policy: from detections to an assessment (categories, severity) — pure functions.

The classifiers say what they found; the organisation's configuration says what counts
(``policy.min_score``) and how serious it is (``policy.severity`` floors over the
categories.md defaults). Routing — who is told — is in ``monitor.routing``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from classifiers.base import ClassifierInput, Detection
from classifiers.severity import item_severity
from monitor.config import PolicyConfig
from monitor.types import Category, Severity


@dataclass(frozen=True)
class Assessment:
    categories: tuple[Category, ...]
    severity: Severity
    detections: tuple[Detection, ...]

    @property
    def flagged(self) -> bool:
        return bool(self.categories)


def counted(detections: Sequence[Detection], policy: PolicyConfig) -> list[Detection]:
    return [d for d in detections if d.score >= policy.min_score.get(d.category, 0.0)]


def assess(detections: Sequence[Detection], item: ClassifierInput,
           policy: PolicyConfig) -> Assessment | None:
    """None when nothing the policy cares about was found."""
    kept = counted(detections, policy)
    if not kept:
        return None
    categories = tuple(sorted({d.category for d in kept}, key=list(Category).index))
    severity = item_severity(kept, item) or Severity.LOW
    floors = [policy.severity.get(c) for c in categories]
    return Assessment(categories, Severity.highest(severity, *floors), tuple(kept))
