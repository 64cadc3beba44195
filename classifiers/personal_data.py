"""``personal_data``: an adult's phone, e-mail, home address, health or private matters.

Exact things (phones, e-mails, postcodes, street addresses) come from rules, which find
every one and point at it. Health, custody, arrests and staff discipline have no grammar,
so they come from the shared encoder's ``personal_data`` head and its evidence tagger.

Published on purpose, so not personal data (categories.md, domain README): the helplines
(NSPCC, Childline), role mailboxes (bookings@, dsl@ …) and, in the organisation's own
posts, its landline office numbers. A mobile number the organisation publishes is a
person's, so it still counts, and so does a landline its words give to somebody else
("we'll call you on 0161 …": the domain README's organisation reply that publishes a
parent's number).
"""

from __future__ import annotations

from collections.abc import Sequence

from classifiers import rules
from classifiers.base import Classifier, ClassifierInput, Detection, Span
from classifiers.context import SettingContext
from classifiers.encoder import EncoderRuntime, model_items, shared_runtime
from classifiers.normalise import Normalised, normalise
from classifiers.policy_model import EVIDENCE_HEAD_FRACTION, EVIDENCE_STRONG
from monitor.types import AuthorRole, Category

#: Model evidence is only for what has no grammar; phones and e-mails are the rules' job
#: (the rules know which numbers are published on purpose).
_MODEL_TYPES = {"address", "health", "disclosure"}


class PersonalDataClassifier(Classifier):
    name = "personal_data"
    version = "personal-data-1"
    categories = frozenset({Category.PERSONAL_DATA})

    def __init__(self, context: SettingContext | None = None,
                 runtime: EncoderRuntime | None = None) -> None:
        self.context = context or SettingContext.default()
        self.runtime = runtime or shared_runtime()
        self.version = f"personal-data-1+{self.runtime.version}"  # type: ignore[misc]
        self.threshold = self.runtime.thresholds["personal_data"]

    def rule_spans(self, item: ClassifierInput, norm: Normalised | None = None) -> list[Span]:
        """Exact matches that are an adult's contact details."""
        norm = norm or normalise(item.text)
        org = item.author_role == AuthorRole.ORGANISATION
        own_names = self.context.organisation_names + ("kidspace",)
        spans: list[Span] = []
        for s, e, digits in rules.find_phones(norm):
            if digits in rules.HELPLINES or digits.startswith(("0800", "0808")):
                continue
            if org and not rules.is_mobile(digits) and not rules.number_is_anothers(
                    item.text, s, own_names):
                continue
            spans.append(Span(s, e, "phone"))
        for s, e, local in rules.find_emails(norm):
            if rules.is_generic_email(local, item.text[s:e], own_names):
                continue
            spans.append(Span(s, e, "email"))
        for s, e in rules.find_addresses(norm):
            spans.append(Span(s, e, "address"))
        for s, e in rules.find_postcodes(norm):
            spans.append(Span(s, e, "address"))
        return spans

    def classify_batch(self, items: Sequence[ClassifierInput]) -> list[list[Detection]]:
        results = self.runtime.run(model_items(items))
        out: list[list[Detection]] = []
        for item, res in zip(items, results):
            exact = self.rule_spans(item, res.norm)
            p = res.probs["personal_data"]
            model_spans = [Span(t.start, t.end, t.type) for t in res.spans
                           if t.type in _MODEL_TYPES]
            strong = any(t.score >= EVIDENCE_STRONG for t in res.spans if t.type in _MODEL_TYPES)
            if exact or (model_spans and (p >= self.threshold or (
                    strong and p >= self.threshold * EVIDENCE_HEAD_FRACTION))):
                score = max(p, 0.9 if exact else 0.0)
                spans = exact + [s for s in model_spans if not any(
                    s.start < x.end and x.start < s.end for x in exact)]
                if not spans:
                    spans = [Span(0, len(item.text), "disclosure")]
                out.append([Detection(Category.PERSONAL_DATA, round(score, 4),
                                      label="rule" if exact else "model",
                                      spans=tuple(sorted(spans, key=lambda x: x.start)),
                                      extra={"model_score": round(p, 4)})])
            else:
                out.append([])
        return out
