"""A keyword stand-in classifier.

It exists so the pipeline runs end to end before (and without) the trained models, and
as a transparent baseline in evaluation. It is deliberately simple: whole-word matches of
short phrase lists, case-insensitive.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from classifiers.base import Classifier, ClassifierInput, Detection, Span
from monitor.types import Category

_PHRASES: dict[Category, dict[str, list[str]]] = {
    Category.SAFEGUARDING: {
        "disclosure": ["hits me", "hit me", "hurts me", "touched me", "scared to go home",
                       "keep it a secret", "our secret", "don't tell", "no food at home"],
        "contact_request": ["dm me", "message me privately", "add me on snapchat", "meet me"],
    },
    Category.ABUSE: {
        "insult": ["idiot", "stupid", "useless", "pathetic", "ugly", "loser", "disgusting"],
        "threat": ["watch your back", "i'll get you", "you'll regret"],
    },
    Category.COMPLAINT: {
        "press_threat": ["ofsted", "the press", "newspaper", "solicitor", "local paper"],
        "complaint": ["complaint", "disgrace", "unacceptable", "nobody told me",
                      "not good enough", "shocking"],
    },
    Category.PERSONAL_DATA: {
        "phone": [],
        "email": [],
    },
    Category.CHILD_IDENTIFICATION: {"school": [" primary school", " academy"]},
}
_PHONE = re.compile(r"\b0\d{3,4}\s?\d{3}\s?\d{3,4}\b")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")


class KeywordClassifier(Classifier):
    name = "keyword"
    version = "keyword-1"
    categories = frozenset(_PHRASES)

    def __init__(self) -> None:
        # One alternation for every phrase (longest first), then a dict look-up of what
        # matched: one pass over the text instead of one per phrase.
        self._kinds: dict[str, tuple[Category, str]] = {}
        for category, by_type in _PHRASES.items():
            for span_type, phrases in by_type.items():
                for phrase in phrases:
                    self._kinds[phrase.strip().lower()] = (category, span_type)
        body = "|".join(re.escape(p) for p in sorted(self._kinds, key=len, reverse=True))
        self._phrases = re.compile(rf"\b(?:{body})\b", re.IGNORECASE)

    def classify_batch(self, items: Sequence[ClassifierInput]) -> list[list[Detection]]:
        return [self._one(item) for item in items]

    def _one(self, item: ClassifierInput) -> list[Detection]:
        spans: dict[Category, list[Span]] = {}
        for m in self._phrases.finditer(item.text):
            category, span_type = self._kinds[m.group(0).lower()]
            spans.setdefault(category, []).append(Span(m.start(), m.end(), span_type))
        for span_type, pattern in (("phone", _PHONE), ("email", _EMAIL)):
            for m in pattern.finditer(item.text):
                spans.setdefault(Category.PERSONAL_DATA, []).append(Span(m.start(), m.end(), span_type))
        return [
            Detection(category=c, score=min(1.0, 0.6 + 0.1 * len(s)), label="keyword",
                      spans=tuple(sorted(s, key=lambda x: x.start)))
            for c, s in spans.items()
        ]
