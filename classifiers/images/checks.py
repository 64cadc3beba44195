"""The image checks as classifiers: ``image_metadata``, ``image_faces``, ``image_consent``.

(``image_text`` is in ``text_check.py``: it runs the text classifiers on OCR output.)

Evidence is a region (``Span(0, 0, "region", {"media", "x", "y", "w", "h", "pdq"})``) or
a metadata field (``Span(0, 0, "field", {"field": "GPSInfo", ...})``) instead of
characters: start and end are 0 because the item's text is not what is pointed at.

Severity follows categories.md: anything identifying in the organisation's own post is
high; a photo linked to a child whose consent is "no" is critical wherever it appears,
because the policy's sharpest rule is the one it breaks.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import ClassVar

from classifiers.base import Classifier, ClassifierInput, Detection, Span
from classifiers.context import SettingContext
from classifiers.images.runtime import ImageFacts, ImageRuntime, shared_runtime
from monitor.types import AuthorRole, Category, Severity, SpanType


class ImageClassifier(Classifier):
    """Shared plumbing: fetch a batch's media once, then judge each item's facts."""

    wants: ClassVar[tuple[str, ...]] = ()

    def __init__(self, context: SettingContext | None = None,
                 runtime: ImageRuntime | None = None) -> None:
        self.context = context or SettingContext.default()
        self.runtime = runtime or shared_runtime()
        self.runtime.want(*self.wants)

    def classify_batch(self, items: Sequence[ClassifierInput]) -> list[list[Detection]]:
        deadline = time.monotonic() + self.runtime.batch_budget
        with_media = [(it.media, it.platform) for it in items if it.media]
        if with_media:
            self.runtime.prefetch(with_media, deadline=deadline)
        out: list[list[Detection]] = []
        for it in items:
            late = time.monotonic() > deadline
            facts = [f for f in self.runtime.facts_for(it.media, it.platform, cached_only=late)
                     if f.error is None] if it.media else []
            out.append(self.judge(it, facts) if facts else [])
        return out

    def judge(self, item: ClassifierInput, facts: list[ImageFacts]) -> list[Detection]:
        raise NotImplementedError


def _org(item: ClassifierInput) -> bool:
    return item.author_role == AuthorRole.ORGANISATION


class ImageMetadataClassifier(ImageClassifier):
    """GPS position, device owner and camera serial written inside the file."""

    name = "image_metadata"
    version = "image-metadata-1"
    categories = frozenset({Category.CHILD_IDENTIFICATION, Category.PERSONAL_DATA})
    wants = ("metadata",)

    def judge(self, item: ClassifierInput, facts: list[ImageFacts]) -> list[Detection]:
        gps_spans: list[Span] = []
        owner_spans: list[Span] = []
        for f in facts:
            md = f.metadata
            if md is None:
                continue
            base = {"media": f.media, "index": f.index}
            if md.gps is not None:
                # rounded to ~1 km: the finding must not itself store a home address
                gps_spans.append(Span(0, 0, SpanType.FIELD.value, {
                    **base, "field": "GPSInfo", "lat": round(md.gps[0], 2),
                    "lon": round(md.gps[1], 2)}))
                if md.taken_at:
                    gps_spans.append(Span(0, 0, SpanType.FIELD.value, {
                        **base, "field": "DateTimeOriginal", "value": md.taken_at}))
            for key, value in md.people.items():
                owner_spans.append(Span(0, 0, SpanType.FIELD.value,
                                        {**base, "field": key, "value": value[:80]}))
            if "BodySerialNumber" in md.device and md.people:
                owner_spans.append(Span(0, 0, SpanType.FIELD.value,
                                        {**base, "field": "BodySerialNumber"}))
        dets: list[Detection] = []
        if gps_spans:
            if _org(item):
                dets.append(Detection(Category.CHILD_IDENTIFICATION, 0.95, "exif_gps",
                                      tuple(gps_spans), Severity.HIGH,
                                      {"why": "the photo file gives where it was taken"}))
            else:
                dets.append(Detection(Category.PERSONAL_DATA, 0.8, "exif_gps", tuple(gps_spans),
                                      Severity.MEDIUM))
        if owner_spans and _org(item):
            dets.append(Detection(Category.PERSONAL_DATA, 0.7, "exif_owner", tuple(owner_spans),
                                  Severity.MEDIUM, {"why": "the file names the camera's owner"}))
        return dets


class ImageFacesClassifier(ImageClassifier):
    """Faces in the organisation's own post, in a picture nobody approved."""

    name = "image_faces"
    version = "image-faces-1"
    categories = frozenset({Category.CHILD_IDENTIFICATION})
    wants = ("faces", "pdq")

    def judge(self, item: ClassifierInput, facts: list[ImageFacts]) -> list[Detection]:
        if not _org(item):
            return []  # a parent's own photo in a comment is not the setting's publication
        spans: list[Span] = []
        pictures = 0
        for f in facts:
            if not f.faces:
                continue
            if f.pdq is not None and self.runtime.consent.approved(f.pdq.hex) is not None:
                continue  # a manager confirmed the children in this picture have consent
            pictures += 1
            for k, face in enumerate(f.faces):
                detail = f.region(face.as_region())
                if k == 0 and f.pdq_variants:  # once per picture: what an approval stores
                    detail["pdq_variants"] = f.pdq_variants
                spans.append(Span(0, 0, SpanType.REGION.value, detail))
        if not spans:
            return []
        return [Detection(Category.CHILD_IDENTIFICATION, 0.9, "faces_without_consent",
                          tuple(spans), Severity.HIGH,
                          {"faces": len(spans), "pictures": pictures,
                           "why": "faces in a published picture with no consent record"})]


class ImageConsentClassifier(ImageClassifier):
    """A picture a manager linked to a child whose consent is not "yes", wherever it reappears."""

    name = "image_consent"
    version = "image-consent-1"
    categories = frozenset({Category.CHILD_IDENTIFICATION})
    wants = ("pdq",)

    def judge(self, item: ClassifierInput, facts: list[ImageFacts]) -> list[Detection]:
        worst: Severity | None = None
        spans: list[Span] = []
        children: set[int] = set()
        for f in facts:
            if f.pdq is None:
                continue
            for link in self.runtime.consent.children(f.pdq.hex):
                if link.consent == "yes":
                    continue
                sev = Severity.CRITICAL if link.consent == "no" else Severity.HIGH
                worst = Severity.highest(worst, sev)
                children.add(link.roster_child_id)
                spans.append(Span(0, 0, SpanType.REGION.value, f.region(
                    {"x": 0, "y": 0, "w": f.width, "h": f.height}) | {
                    "consent": link.consent, "distance": link.distance}))
        if worst is None:
            return []
        label = "refused_consent_photo" if worst == Severity.CRITICAL else "consent_not_given_photo"
        return [Detection(Category.CHILD_IDENTIFICATION, 0.99, label, tuple(spans), worst,
                          {"roster_child_ids": sorted(children)})]
