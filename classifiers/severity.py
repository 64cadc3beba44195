"""One item's severity from its detections, per categories.md.

Shared by ``safeguard classify`` and the pipeline so both always agree. Start from
``DEFAULT_SEVERITY`` for each category found, take any severity a classifier raised, then
apply the policy's raisers:

- abuse: high for a threat, a slur, hate, or anything aimed at a child;
- complaint: high with a threat to go public (press, Ofsted, solicitor, social media) or an
  incident involving a child (hurt, missing, allergy, collection mix-up);
- child_identification: high with a name plus a further detail, or any detail in the
  organisation's own post (the classifier sets this; the organisation rule is re-applied
  here so a detection from any classifier gets it).

The item's severity is the highest over its detections; ``None`` when nothing was found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from classifiers.base import ClassifierInput, Detection
from monitor.types import DEFAULT_SEVERITY, AuthorRole, Category, Severity

_CHILD = re.compile(r"\b(?:kids?|child(?:ren)?|boys?|girls?|lads?|sons?|daughters?|little ones?|"
                    r"baby|toddler|pupils?|year \d|reception)\b", re.IGNORECASE)
_INCIDENT = re.compile(r"\b(?:hurt|injur\w*|bump\w*|bruis\w*|bled|blood\w*|broke\w*|fell|fall|"
                       r"missing|lost|allerg\w*|epipen|anaphyla\w*|hospital|a&e|stitches|"
                       r"wrong (?:person|adult|parent|child)|collected by|choked|burn\w*|bitten|bit)\b",
                       re.IGNORECASE)
#: Hate head probability above which abuse is treated as hate (high).
HATE_HIGH = 0.8


def _item_attr(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


def detection_severity(d: Detection, item: ClassifierInput | dict[str, Any]) -> Severity:
    """The severity of one detection on one item."""
    sev = Severity.highest(DEFAULT_SEVERITY[d.category], d.severity)
    text = _item_attr(item, "text", "") or ""
    types = {s.type for s in d.spans}
    if d.category == Category.ABUSE:
        evidence = " ".join(text[s.start:s.end] for s in d.spans)
        if types & {"threat", "slur"} or float(d.extra.get("hate", 0.0)) >= HATE_HIGH \
                or _CHILD.search(evidence):
            sev = Severity.highest(sev, Severity.HIGH)
    elif d.category == Category.COMPLAINT:
        if "press_threat" in types or (_CHILD.search(text) and _INCIDENT.search(text)):
            sev = Severity.highest(sev, Severity.HIGH)
    elif d.category == Category.CHILD_IDENTIFICATION:
        if str(_item_attr(item, "author_role", "")) == AuthorRole.ORGANISATION.value:
            sev = Severity.highest(sev, Severity.HIGH)
    return sev


def item_severity(detections: Iterable[Detection],
                  item: ClassifierInput | dict[str, Any]) -> Severity | None:
    """Highest severity over an item's detections; None when there are none."""
    sevs = [detection_severity(d, item) for d in detections]
    return Severity.highest(*sevs) if sevs else None
