"""``policy_encoder``: safeguarding, abuse and complaint from the shared encoder.

These three have no grammar — a disclosure, a grooming approach, a threat or a complaint
can be worded in endless ways — so they are heads on the fine-tuned encoder (see
``training/`` and ``artefacts/encoder/MODEL_CARD.md``). Thresholds come from the artefact's
``config.json``; safeguarding's is set for recall (a missed disclosure is far worse than
a false alarm). Evidence is the encoder's per-token tagging; when the tagger marks
nothing, the head must be sure on its own (``STRONG``) and the whole text is the evidence:
a detection is "found in text with evidence", and head-only hits were mostly false alarms.

Threats to take a matter to the press, Ofsted, a solicitor or social media are a
complaint whatever the head says (``complaint_cues.py``), as formulaic disclosures are
safeguarding (``safeguarding_cues.py``).

The two public-benchmark heads (``offensive``, ``hate``) are reported in ``extra`` so the
severity rule can raise hate to high, and so ``eval`` can score the public test splits.
"""

from __future__ import annotations

from collections.abc import Sequence

from classifiers.base import Classifier, ClassifierInput, Detection, Span
from classifiers.complaint_cues import press_threat_spans
from classifiers.encoder import EncoderRuntime, model_items, shared_runtime
from classifiers.safeguarding_cues import cue_spans
from monitor.types import AuthorRole, Category

#: Evidence span types that support each category (domain README).
SUPPORT: dict[Category, tuple[str, ...]] = {
    Category.SAFEGUARDING: ("disclosure", "contact_request", "threat"),
    Category.ABUSE: ("insult", "slur", "threat"),
    Category.COMPLAINT: ("complaint", "press_threat"),
}
#: Without evidence from the tagger, the head alone must be at least this sure. Measured on
#: the first model: head-only detections (no evidence span) were nearly all false alarms.
STRONG = 0.6
#: Conversely, strong evidence from the tagger counts with a hesitant head: the tagger sees
#: "I'm going to the papers" even when the sentence head is unsure what the item is about.
EVIDENCE_STRONG = 0.75
EVIDENCE_HEAD_FRACTION = 0.33
_FALLBACK = {Category.SAFEGUARDING: "disclosure", Category.ABUSE: "insult",
             Category.COMPLAINT: "complaint"}


class PolicyEncoderClassifier(Classifier):
    name = "policy_encoder"
    version = "policy-encoder-1"
    categories = frozenset(SUPPORT)

    def __init__(self, runtime: EncoderRuntime | None = None) -> None:
        self.runtime = runtime or shared_runtime()
        self.version = f"policy-encoder-1+{self.runtime.version}"  # type: ignore[misc]

    def classify_batch(self, items: Sequence[ClassifierInput]) -> list[list[Detection]]:
        results = self.runtime.run(model_items(items))
        out: list[list[Detection]] = []
        for item, res in zip(items, results):
            found: list[Detection] = []
            cues = cue_spans(res.norm, item.context)
            if cues:
                found.append(Detection(
                    Category.SAFEGUARDING, round(max(res.probs["safeguarding"], 0.9), 4),
                    label="cue", spans=tuple(Span(s, e, t) for s, e, t in cues),
                    extra={"model_score": round(res.probs["safeguarding"], 4)}))
            threats = press_threat_spans(res.norm, item.author_role != AuthorRole.ORGANISATION)
            if threats:
                spans = [Span(s, e, "press_threat") for s, e in threats]
                spans += [Span(t.start, t.end, t.type) for t in res.spans
                          if t.type in SUPPORT[Category.COMPLAINT]
                          and not any(t.start < x.end and x.start < t.end for x in spans)]
                found.append(Detection(
                    Category.COMPLAINT, round(max(res.probs["complaint"], 0.9), 4), label="cue",
                    spans=tuple(sorted(spans, key=lambda x: x.start)),
                    extra={"model_score": round(res.probs["complaint"], 4)}))
            for cat, types in SUPPORT.items():
                if (cues and cat == Category.SAFEGUARDING) or (threats and cat == Category.COMPLAINT):
                    continue
                p = res.probs[cat.value]
                th = self.runtime.thresholds[cat.value]
                evidence = [t for t in res.spans if t.type in types]
                strong = any(t.score >= EVIDENCE_STRONG for t in evidence)
                if not (p >= th or (strong and p >= th * EVIDENCE_HEAD_FRACTION)):
                    continue
                spans = [Span(t.start, t.end, t.type) for t in evidence]
                if not spans:
                    if p < max(STRONG, th):
                        continue
                    spans = [Span(0, len(item.text), _FALLBACK[cat])]
                found.append(Detection(cat, round(p, 4), label="model", spans=tuple(spans),
                                       extra={"offensive": round(res.probs.get("offensive", 0), 4),
                                              "hate": round(res.probs.get("hate", 0), 4)}))
            out.append(found)
        return out
