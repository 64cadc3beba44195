"""Names shared by every part of the monitor.

The category, span and severity names come from ``shared/policy/categories.md`` and are
storage keys: they are written into the database, the labelled data and the alerts, so
they never change spelling.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NewType

AccountId = NewType("AccountId", str)
LocationId = NewType("LocationId", str)
Cursor = NewType("Cursor", str)


class Category(StrEnum):
    """The five things the policy forbids (categories.md)."""

    SAFEGUARDING = "safeguarding"
    CHILD_IDENTIFICATION = "child_identification"
    ABUSE = "abuse"
    COMPLAINT = "complaint"
    PERSONAL_DATA = "personal_data"


class Severity(StrEnum):
    """Ordered: ``Severity.rank`` compares them."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @classmethod
    def highest(cls, *values: "Severity | None") -> "Severity":
        present = [v for v in values if v is not None]
        return max(present, key=lambda s: s.rank) if present else cls.LOW


_SEVERITY_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}

#: Default severity per category (categories.md), before classifiers or rules raise it.
DEFAULT_SEVERITY: dict[Category, Severity] = {
    Category.SAFEGUARDING: Severity.CRITICAL,
    Category.CHILD_IDENTIFICATION: Severity.MEDIUM,
    Category.ABUSE: Severity.MEDIUM,
    Category.COMPLAINT: Severity.MEDIUM,
    Category.PERSONAL_DATA: Severity.MEDIUM,
}


class SpanType(StrEnum):
    CHILD_NAME = "child_name"
    SURNAME = "surname"
    AGE = "age"
    SCHOOL = "school"
    UNIFORM = "uniform"
    PLACE = "place"
    ADDRESS = "address"
    TIME_PLACE = "time_place"
    PHONE = "phone"
    EMAIL = "email"
    HEALTH = "health"
    THREAT = "threat"
    INSULT = "insult"
    SLUR = "slur"
    DISCLOSURE = "disclosure"
    CONTACT_REQUEST = "contact_request"
    COMPLAINT = "complaint"
    PRESS_THREAT = "press_threat"
    # Image evidence (issue 9): a region or a metadata field rather than characters.
    REGION = "region"
    FIELD = "field"


class ItemKind(StrEnum):
    POST = "post"
    COMMENT = "comment"
    REPLY = "reply"
    MESSAGE = "message"


class AuthorRole(StrEnum):
    ORGANISATION = "organisation"
    PUBLIC = "public"


class CaseStatus(StrEnum):
    """new → in_review → actioned / dismissed / escalated / resolved."""

    NEW = "new"
    IN_REVIEW = "in_review"
    ACTIONED = "actioned"
    DISMISSED = "dismissed"
    ESCALATED = "escalated"
    RESOLVED = "resolved"

    @property
    def is_open(self) -> bool:
        return self in (CaseStatus.NEW, CaseStatus.IN_REVIEW, CaseStatus.ESCALATED)


class ItemState(StrEnum):
    """Where an item version is in the pipeline; each value is a durable checkpoint."""

    PENDING = "pending"  # stored, not yet classified
    DONE = "done"  # classified, policy applied, case and alerts written
    FAILED = "failed"  # a classifier raised on it; retried by `safeguard reprocess`


class AlertStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the retry budget; surfaced to the admin
    SUPPRESSED = "suppressed"  # quiet hours / digest, or the case was acknowledged first


class Role(StrEnum):
    ADMIN = "admin"
    DSL = "dsl"
    DEPUTY_DSL = "deputy_dsl"
    SETTING_MANAGER = "setting_manager"
    VIEWER = "viewer"
