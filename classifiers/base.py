"""The one small interface every classifier implements.

A classifier takes a batch of items and returns, for each, the policy categories it
found with a score and evidence spans. Spans are character offsets into the *original*
text (the text a reviewer sees), never into a normalised copy.

Why batched? The transformer classifiers are an order of magnitude faster per item when
run on a batch, and the pipeline always has a batch in hand.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from monitor.types import AuthorRole, Category, ItemKind, Severity


@dataclass(frozen=True, slots=True)
class ClassifierInput:
    """What a classifier may look at for one item."""

    id: str
    text: str
    context: str | None = None  # the text this item replies to, or None
    # Who wrote ``context`` (display name): a reply that names that person is addressing an
    # adult who commented ("Hi Aisha, yes we do"), not naming a child.
    context_author: str | None = None
    author_role: AuthorRole = AuthorRole.PUBLIC
    kind: ItemKind = ItemKind.COMMENT
    platform: str = "unknown"
    location: str | None = None  # location id of the account, if known
    media: tuple[Any, ...] = ()  # media references (issue 9); text classifiers ignore them


@dataclass(frozen=True, slots=True)
class Span:
    """Evidence: ``text[start:end]`` of the original text, typed as in categories.md."""

    start: int
    end: int
    type: str
    detail: dict[str, Any] | None = None  # e.g. an image region {"x","y","w","h"}

    def overlaps(self, others: Sequence[Span]) -> bool:
        """Whether this span shares a character with any of ``others``."""
        return any(self.start < b.end and b.start < self.end for b in others)

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"start": self.start, "end": self.end, "type": self.type}
        if self.detail:
            d["detail"] = self.detail
        return d


@dataclass(frozen=True, slots=True)
class Detection:
    """One category found in one item by one classifier."""

    category: Category
    score: float  # 0..1, comparable to the policy threshold for the category
    label: str = ""  # a finer label, e.g. "disclosure", "roster_name"
    spans: tuple[Span, ...] = ()
    severity: Severity | None = None  # a classifier may raise severity (e.g. more details)
    extra: dict[str, Any] = field(default_factory=dict)


class Classifier(ABC):
    """Base class: subclasses set ``name``, ``version``, ``categories`` and implement
    ``classify_batch``.

    ``name`` is a storage key (written on every Finding) and never changes; ``version``
    changes whenever the model or rules change, so that a finding can be traced to the
    exact model that made it.
    """

    name: ClassVar[str]
    version: ClassVar[str]
    categories: ClassVar[frozenset[Category]]

    @abstractmethod
    def classify_batch(self, items: Sequence[ClassifierInput]) -> list[list[Detection]]:
        """Return one list of detections per input item, in the same order."""

    def classify(self, item: ClassifierInput) -> list[Detection]:
        return self.classify_batch([item])[0]

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release models or files; the default has nothing to release."""
