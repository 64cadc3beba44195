"""``policy_encoder``: safeguarding, abuse and complaint from the shared encoder.

These three have no grammar — a disclosure, a grooming approach, a threat or a complaint
can be worded in endless ways — so they are heads on the fine-tuned encoder (see
``training/`` and ``artefacts/encoder/MODEL_CARD.md``). Thresholds come from the artefact's
``config.json``; safeguarding's is set for recall (a missed disclosure is far worse than
a false alarm). Evidence is the encoder's per-token tagging; when the tagger marks
nothing, the head must be sure on its own (``STRONG``) and the whole text is the evidence:
a detection is "found in text with evidence", and head-only hits were mostly false alarms.

Some wordings are exact enough to count whatever the head says: formulaic disclosures and
approaches to a child are safeguarding (``safeguarding_cues.py``), a threat to take a matter
to the press, Ofsted, a solicitor or social media is a complaint (``complaint_cues.py``),
and a threat against a person is abuse (``abuse_cues.py``). The model's own evidence for
the category is added to the cue's.

The two public-benchmark heads (``offensive``, ``hate``) are reported in ``extra`` so the
severity rule can raise hate to high, and so ``eval`` can score the public test splits.
"""

from __future__ import annotations

from collections.abc import Sequence

from classifiers.abuse_cues import threat_spans
from classifiers.base import Classifier, ClassifierInput, Detection, Span
from classifiers.complaint_cues import press_threat_spans
from classifiers.encoder import EncoderRuntime, model_items, shared_runtime
from classifiers.normalise import Normalised
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
            cues = _cues(item, res.norm)
            heads = {"offensive": round(res.probs.get("offensive", 0), 4),
                     "hate": round(res.probs.get("hate", 0), 4)}
            for cat, types in SUPPORT.items():
                p = res.probs[cat.value]
                evidence = [Span(t.start, t.end, t.type) for t in res.spans if t.type in types]
                if cat in cues:  # exact wording: counts whatever the head says
                    spans = cues[cat] + [s for s in evidence if not s.overlaps(cues[cat])]
                    found.append(Detection(cat, round(max(p, 0.9), 4), label="cue",
                                           spans=tuple(sorted(spans, key=lambda x: x.start)),
                                           extra={"model_score": round(p, 4), **heads}))
                    continue
                th = self.runtime.thresholds[cat.value]
                strong = any(t.score >= EVIDENCE_STRONG for t in res.spans if t.type in types)
                if not (p >= th or (strong and p >= th * EVIDENCE_HEAD_FRACTION)):
                    continue
                if not evidence:
                    if p < max(STRONG, th):
                        continue
                    evidence = [Span(0, len(item.text), _FALLBACK[cat])]
                found.append(Detection(cat, round(p, 4), label="model", spans=tuple(evidence),
                                       extra=heads))
            out.append(found)
        return out


def _cues(item: ClassifierInput, norm: Normalised) -> dict[Category, list[Span]]:
    """Exact wordings per category: formulaic disclosures and approaches to a child,
    threats to go public (public items), threats against a person."""
    public = item.author_role != AuthorRole.ORGANISATION
    found = {
        Category.SAFEGUARDING: [Span(s, e, t) for s, e, t in cue_spans(norm, item.context)],
        Category.COMPLAINT: [Span(s, e, "press_threat") for s, e in press_threat_spans(norm, public)],
        Category.ABUSE: [Span(s, e, "threat") for s, e in threat_spans(norm)],
    }
    return {cat: spans for cat, spans in found.items() if spans}

