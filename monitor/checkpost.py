"""Check a draft post before it is published: caption and photos, same checks as the monitor.

A member of staff gives the caption, the photo files and the location; they get back
every finding (names, school names, faces without a consent record, GPS in the file,
text in the picture), each with its evidence: a quoted part of the caption, or a region
of a named photo. ``breach`` is True when the policy (``monitor.policy.assess``) would
open a case for the same post once published — the CLI exits 1 then.

Why the same classifiers and policy as the daemon? A check that disagrees with the
monitor teaches staff to ignore it; one code path means "passes here" implies "raises
nothing there" (for the same roster, consent register and configuration).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifiers.base import Classifier, ClassifierInput, Detection
from classifiers.context import SettingContext
from classifiers.images import (
    ConsentIndex,
    ImageConsentClassifier,
    ImageFacesClassifier,
    ImageMetadataClassifier,
    ImageRuntime,
    ImageTextClassifier,
)
from monitor.config import PolicyConfig
from monitor.policy import assess
from monitor.types import AuthorRole, ItemKind, Severity


@dataclass
class CheckResult:
    text: str
    findings: list[tuple[str, Detection]] = field(default_factory=list)  # (classifier, detection)
    breach: bool = False
    severity: Severity | None = None
    unreadable: list[str] = field(default_factory=list)  # photos that could not be checked

    def as_dict(self) -> dict[str, Any]:
        return {"breach": self.breach, "severity": self.severity.value if self.severity else None,
                "unreadable": self.unreadable,
                "findings": [{"classifier": name, "category": d.category.value, "label": d.label,
                              "score": d.score, "severity": d.severity.value if d.severity else None,
                              "spans": [sp.as_dict() for sp in d.spans]}
                             for name, d in self.findings]}


def build_checkers(context: SettingContext, *, consent: ConsentIndex | None = None,
                   text_names: Sequence[str] = ("default",)) -> tuple[list[Classifier], ImageRuntime]:
    """The caption classifiers and the four image checks, on a runtime that reads local files."""
    from classifiers.registry import build_classifiers

    runtime = ImageRuntime(consent=consent, allow_local=True, workers=1)
    text = build_classifiers(list(text_names), context)
    images: list[Classifier] = [ImageMetadataClassifier(context, runtime),
                                ImageFacesClassifier(context, runtime),
                                ImageConsentClassifier(context, runtime),
                                ImageTextClassifier(context, runtime)]
    return text + images, runtime


def check_post(text: str, images: Sequence[Path], *, checkers: Sequence[Classifier],
               runtime: ImageRuntime, location: str | None = None, platform: str = "facebook",
               policy: PolicyConfig | None = None) -> CheckResult:
    """Findings for a draft post by the organisation (an official post: the strictest rules)."""
    item = ClassifierInput(id="draft", text=text, author_role=AuthorRole.ORGANISATION,
                           kind=ItemKind.POST, platform=platform, location=location,
                           media=tuple({"path": str(p), "type": "image"} for p in images))
    result = CheckResult(text=text)
    for clf in checkers:
        for d in clf.classify(item):
            result.findings.append((clf.name, d))
    result.unreadable = [f.media for f in runtime.facts_for(item.media, platform) if f.error]
    a = assess([d for _, d in result.findings], item, policy or PolicyConfig())
    result.breach = a is not None
    result.severity = a.severity if a else None
    return result


def describe(result: CheckResult) -> list[str]:
    """Human-readable lines: one per finding, then one per piece of evidence."""
    lines: list[str] = []
    for name, d in result.findings:
        sev = d.severity.value if d.severity else "-"
        lines.append(f"{d.category.value} [{sev}] {d.label or name} ({name}, score {d.score:.2f})")
        for sp in d.spans:
            det = sp.detail or {}
            if sp.type == "region":
                what = f"{det.get('text_type', 'face' if name == 'image_faces' else 'picture')}"
                quoted = f" {det['text']!r}" if det.get("text") else ""
                at = f" at {det.get('frame_ms')} ms" if det.get("frame_ms") is not None else ""
                lines.append(f"    {what}{quoted} in {det.get('media')}{at}: region x={det.get('x')} "
                             f"y={det.get('y')} w={det.get('w')} h={det.get('h')}")
            elif sp.type == "field":
                extra = {k: v for k, v in det.items() if k not in ("media", "index", "field")}
                lines.append(f"    {det.get('field')} in {det.get('media')}: {extra}")
            else:
                lines.append(f"    {sp.type} {result.text[sp.start:sp.end]!r} "
                             f"(caption characters {sp.start}-{sp.end})")
    for name in result.unreadable:
        lines.append(f"could not check {name}: not a readable image (check it by eye)")
    lines.append("BREACH: do not post as it is" if result.breach else "OK: nothing the policy forbids was found")
    return lines
