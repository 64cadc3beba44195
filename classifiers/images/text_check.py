"""``image_text``: words in the picture, judged by the same text classifiers as captions.

The OCR text of each picture becomes a ``ClassifierInput`` with the item's author role,
kind, platform and location, and goes through the text classifiers built by
``classifiers.registry`` (by default ``child_identification`` and ``personal_data``: the
two categories a picture's words can breach). Each returned character span is mapped to
the boxes of the words it covers; the span's own type (``child_name``, ``school`` ...)
and the words it covered travel in the region's detail, so a reviewer sees "Amelia
Hartley" outlined on the certificate.

Why not a separate image vocabulary? Names, schools and uniforms are the setting's own
configuration and roster, already known to the text classifiers; one implementation
keeps photos and captions consistent.
"""

from __future__ import annotations

from collections.abc import Sequence

from classifiers.base import Classifier, ClassifierInput, Detection, Span
from classifiers.child_identification import WRITTEN_NAME
from classifiers.context import SettingContext
from classifiers.images.checks import ImageClassifier
from classifiers.images.runtime import ImageFacts, ImageRuntime
from monitor.types import Category, Severity, SpanType

DEFAULT_TEXT_CLASSIFIERS = ("child_identification", "personal_data")
MIN_OCR_CHARS = 3


def ocr_name_counts(span_type: str, words: str, label: str | None) -> bool:
    """A name read from a picture counts when it is written as a name (a capital letter
    followed by lower-case letters) or is on the roster. OCR of crafts, drawings and
    handwriting yields lower-case fragments ("wes" from a painted label) and stray single
    letters ("A A e" from pumpkin faces) that the text model can take for names."""
    if span_type not in ("child_name", "surname") or label == "roster_name":
        return True
    return bool(WRITTEN_NAME.search(words))


class ImageTextClassifier(ImageClassifier):
    name = "image_text"
    version = "image-text-1"
    categories = frozenset({Category.CHILD_IDENTIFICATION, Category.PERSONAL_DATA,
                            Category.ABUSE, Category.SAFEGUARDING, Category.COMPLAINT})
    wants = ("ocr", "pdq")

    def __init__(self, context: SettingContext | None = None, runtime: ImageRuntime | None = None,
                 text_classifiers: Sequence[Classifier] | None = None,
                 text_names: Sequence[str] = DEFAULT_TEXT_CLASSIFIERS) -> None:
        super().__init__(context, runtime)
        if text_classifiers is None:
            from classifiers.registry import build_classifiers

            text_classifiers = build_classifiers(list(text_names), self.context)
        self.text_classifiers = list(text_classifiers)

    def judge(self, item: ClassifierInput, facts: list[ImageFacts]) -> list[Detection]:
        readable = [f for f in facts if f.ocr is not None and len(f.ocr.text) >= MIN_OCR_CHARS]
        if not readable:
            return []
        inputs = [ClassifierInput(id=f"{item.id}#img{f.index}", text=f.ocr.text,  # type: ignore[union-attr]
                                  author_role=item.author_role, kind=item.kind,
                                  platform=item.platform, location=item.location)
                  for f in readable]
        merged: dict[tuple[Category, str], tuple[float, Severity | None, list[Span]]] = {}
        for clf in self.text_classifiers:
            for f, dets in zip(readable, clf.classify_batch(inputs), strict=True):
                for d in dets:
                    spans = self._regions(f, d)
                    if not spans:
                        continue
                    key = (d.category, d.label or clf.name)
                    score, sev, acc = merged.get(key, (0.0, None, []))
                    merged[key] = (max(score, d.score), Severity.highest(sev, d.severity)
                                   if (sev or d.severity) else None, acc + spans)
        return [Detection(cat, round(score, 4), f"ocr_{label}", tuple(spans), sev,
                          {"why": "text in the picture"})
                for (cat, label), (score, sev, spans) in merged.items()]

    @staticmethod
    def _regions(f: ImageFacts, d: Detection) -> list[Span]:
        ocr = f.ocr
        assert ocr is not None
        out: list[Span] = []
        for sp in d.spans:
            box = ocr.region(sp.start, sp.end)
            if box is None:
                continue
            words = ocr.text[sp.start:sp.end]
            if not ocr_name_counts(sp.type, words, d.label):
                continue
            out.append(Span(0, 0, SpanType.REGION.value,
                            f.region(box) | {"text_type": sp.type, "text": words[:120]}))
        return out
