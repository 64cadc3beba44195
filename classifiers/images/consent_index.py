"""What the image checks need to know from the consent register, as a small interface.

The register itself (tables, who recorded what) lives in ``monitor.consent``; the
classifiers only ask two questions of a picture's PDQ hash:

- was this picture (or a crop, resize or re-post of it) approved by a manager?
- did a manager link it to a child, and what is that child's consent now?

Why an interface here? Classifiers must not open database sessions (the pipeline runs
them inside its own transaction); the monitor hands them an index that it refreshes.
"""

from __future__ import annotations

from dataclasses import dataclass

from classifiers.images.pdq import MATCH_THRESHOLD, PdqIndex


@dataclass(frozen=True, slots=True)
class ChildLink:
    roster_child_id: int
    consent: str  # yes | no | internal_only | unknown — the child's consent *now*
    distance: int = 0


class ConsentIndex:
    """Look-ups by PDQ hash; subclasses decide where the entries come from."""

    def approved(self, pdq_hex: str) -> int | None:
        """The distance to the nearest approved hash within the threshold, or None."""
        raise NotImplementedError

    def children(self, pdq_hex: str) -> list[ChildLink]:
        """Children linked to a matching picture, nearest first."""
        raise NotImplementedError


class EmptyConsentIndex(ConsentIndex):
    """No register configured: nothing is approved, nobody is linked."""

    def approved(self, pdq_hex: str) -> int | None:
        return None

    def children(self, pdq_hex: str) -> list[ChildLink]:
        return []


class StaticConsentIndex(ConsentIndex):
    """An in-memory index (tests, ``check-post``, and the snapshot the DB index builds)."""

    def __init__(self, approved: list[str] | None = None,
                 links: list[tuple[str, int, str]] | None = None,
                 threshold: int = MATCH_THRESHOLD) -> None:
        self.threshold = threshold
        self._approved = PdqIndex([(h, None) for h in approved or []])
        self._links = PdqIndex([(h, (cid, consent)) for h, cid, consent in links or []])

    def approved(self, pdq_hex: str) -> int | None:
        hits = self._approved.search(pdq_hex, self.threshold)
        return hits[0][0] if hits else None

    def children(self, pdq_hex: str) -> list[ChildLink]:
        seen: dict[int, ChildLink] = {}
        for dist, value in self._links.search(pdq_hex, self.threshold):
            cid, consent = value if isinstance(value, tuple) else (0, "unknown")
            if cid not in seen:
                seen[cid] = ChildLink(roster_child_id=cid, consent=consent, distance=dist)
        return list(seen.values())
