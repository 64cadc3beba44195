"""The database tables (SQLModel). Storage only: rules live in policy.py and pipeline.py.

Why one module? Alembic compares the migrations against ``SQLModel.metadata``; keeping
every table here means importing this module is enough for that comparison, and there is
one obvious place to look for a column. Times are aware UTC (see ``monitor.clock``).

JSON columns hold small structured values (span lists, category lists, media references)
that are read whole and never queried inside.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from monitor.clock import utcnow
from monitor.types import AlertStatus, CaseStatus, ItemState

#: 64-bit ids on PostgreSQL; on SQLite only INTEGER PRIMARY KEY auto-increments.
BigInt = BigInteger().with_variant(Integer(), "sqlite")


def _json(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=nullable))


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Location(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str


class Account(SQLModel, table=True):
    """An organisation account on a platform; mirrors the config, plus its health."""

    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: str = Field(primary_key=True, max_length=64)
    platform: str = Field(max_length=32)
    external_id: str
    handle: str | None = None
    location_id: str | None = Field(default=None, foreign_key="location.id")
    credential_ref: str | None = None  # "env:NAME", "file:PATH" or "db" (Credential row)
    poll_interval: int = 300
    enabled: bool = True
    health: str = "unknown"  # unknown | ok | degraded | unhealthy
    health_detail: str | None = None
    health_changed_at: datetime | None = None
    #: keyed hash of the token that was rejected, so the admin is told once per token
    rejected_token_fingerprint: str | None = None


class Credential(SQLModel, table=True):
    """A platform token stored in the database, encrypted with the Fernet key."""

    account_id: str = Field(primary_key=True, foreign_key="account.id")
    secret_enc: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = "access_token"
    updated_at: datetime = Field(default_factory=utcnow)


class Item(SQLModel, table=True):
    """A post, comment, reply or message; unique by platform + external id.

    ``text`` is the latest version; older versions are in ItemVersion. ``state`` is the
    pipeline checkpoint: an item is classified exactly when it leaves PENDING.
    """

    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        Index("ix_item_state", "state"),
        # The pipeline claims the oldest PENDING items in id order; without this partial
        # index PostgreSQL walks past every DONE item on each claim (65 ms per claim at
        # 100,000 items). It only holds the backlog, so it stays small.
        Index("ix_item_pending", "id", postgresql_where=text("state = 'pending'"),
              sqlite_where=text("state = 'pending'")),
        Index("ix_item_account", "account_id"),
        Index("ix_item_author_handle", "author_handle"),
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInt)
    platform: str = Field(max_length=32)
    external_id: str
    account_id: str = Field(foreign_key="account.id")
    kind: str = Field(max_length=16)
    parent_external_id: str | None = None
    author_name: str | None = None
    author_handle: str | None = None
    author_id: str | None = None
    author_is_owner: bool = False
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    media: list[dict[str, Any]] = _json_list()
    permalink: str | None = None
    created_at: datetime | None = None
    fetched_at: datetime = Field(default_factory=utcnow)
    content_hash: str = Field(max_length=64)
    version: int = 1
    state: str = Field(default=ItemState.PENDING, max_length=16)
    attempts: int = 0
    hidden: bool = False
    removed: bool = False
    raw: dict[str, Any] | None = _json()
    raw_expires_at: datetime | None = None
    text_purged_at: datetime | None = None


class ItemVersion(SQLModel, table=True):
    """Every text an item has had; an edit adds a row and sends the item back to PENDING."""

    __table_args__ = (UniqueConstraint("item_id", "version"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInt)
    item_id: int = Field(foreign_key="item.id", sa_type=BigInt)
    version: int
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    content_hash: str = Field(max_length=64)
    seen_at: datetime = Field(default_factory=utcnow)


class SyncState(SQLModel, table=True):
    """Cursor per account and stream, with health and back-off, and a poll lease."""

    __table_args__ = (UniqueConstraint("account_id", "stream"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="account.id")
    stream: str = "default"
    cursor: str | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    backoff_until: datetime | None = None
    consecutive_failures: int = 0
    items_total: int = 0
    lease_holder: str | None = None  # which daemon process is polling (replicas)
    lease_until: datetime | None = None


class Finding(SQLModel, table=True):
    __table_args__ = (Index("ix_finding_item", "item_id"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInt)
    item_id: int = Field(foreign_key="item.id", sa_type=BigInt)
    item_version: int
    classifier: str
    model_version: str
    category: str = Field(max_length=32)
    label: str = ""
    score: float
    severity: str | None = None
    spans: list[dict[str, Any]] = _json_list()
    created_at: datetime = Field(default_factory=utcnow)


class Case(SQLModel, table=True):
    """One case per item; a later version of the item updates the same case."""

    __table_args__ = (
        UniqueConstraint("item_id"),
        Index("ix_case_status", "status"),
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInt)
    item_id: int = Field(foreign_key="item.id", sa_type=BigInt)
    item_version: int
    account_id: str = Field(foreign_key="account.id")
    location_id: str | None = Field(default=None, foreign_key="location.id")
    platform: str
    severity: str = Field(max_length=16)
    categories: list[str] = _json_list()
    status: str = Field(default=CaseStatus.NEW, max_length=16)
    assignee_id: int | None = Field(default=None, foreign_key="user.id")
    opened_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    closed_at: datetime | None = None
    dismissed_reason: str | None = None


class CaseNote(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", sa_type=BigInt)
    author: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Referral(SQLModel, table=True):
    """An escalation outside the organisation: LADO, local authority, Ofsted, police."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", sa_type=BigInt)
    agency: str  # lado | local_authority | ofsted | police | other
    reference: str | None = None
    referred_on: datetime | None = None
    made_by: str
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class Takedown(SQLModel, table=True):
    """A request to hide or delete an item on its platform, and what the platform said."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", sa_type=BigInt)
    action: str  # hide | unhide | delete
    requested_by: str
    status: str = "requested"  # requested | done | failed
    result: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None


class LabelledExample(SQLModel, table=True):
    """Reviewer feedback kept as labelled data (categories.md item shape)."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int | None = Field(default=None, foreign_key="item.id", sa_type=BigInt)
    case_id: int | None = Field(default=None, foreign_key="case.id", sa_type=BigInt)
    platform: str
    kind: str
    author_role: str
    context: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    text: str = Field(sa_column=Column(Text, nullable=False))
    labels: list[str] = _json_list()  # [] for a dismissed false positive
    predicted: list[str] = _json_list()
    reason: str | None = None
    decided_by: str
    created_at: datetime = Field(default_factory=utcnow)


class Alert(SQLModel, table=True):
    """An outbox row: one recipient on one channel for one case.

    Written in the same transaction as its case; a sender claims it, delivers it with
    ``idempotency_key`` and marks it SENT, so a restart never notifies twice.
    """

    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        Index("ix_alert_status_next", "status", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInt)
    #: None for notices to admins that concern no case (a token expired, alerts failing)
    case_id: int | None = Field(default=None, foreign_key="case.id", sa_type=BigInt)
    recipient: str  # person id from config, or a channel id
    channel: str = Field(max_length=16)  # email | slack | mailbox
    severity: str = Field(max_length=16)
    reason: str = "new_case"  # new_case | updated | escalation | digest | reminder | admin
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # admin notices
    idempotency_key: str = Field(max_length=128)
    status: str = Field(default=AlertStatus.PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    first_failed_at: datetime | None = None
    last_error: str | None = None
    failure_surfaced: bool = False
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    provider_ref: str | None = None  # Slack ts, SMTP Message-ID
    escalation_level: int = 0
    escalate_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    #: set once a low-severity alert was held for quiet hours or a digest (issue 4), so
    #: the hold is applied once and a digest groups the alerts held for the same slot
    deferred_until: datetime | None = None
    #: when the delivered Slack message was updated to show the acknowledgement
    ack_synced_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Complaint(SQLModel, table=True):
    """The complaints log (issue 10): a ``complaint`` case handled as a formal complaint.

    Dates are calendar dates in the organisation's time zone, as an inspector reads them;
    ``respond_by`` is fixed when the complaint is logged (received + the configured days).
    """

    __table_args__ = (UniqueConstraint("case_id"), Index("ix_complaint_respond_by", "respond_by"))
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", sa_type=BigInt)
    location_id: str | None = Field(default=None, foreign_key="location.id")
    complainant: str | None = None  # as far as known
    summary: str = Field(sa_column=Column(Text, nullable=False))
    received_on: date
    respond_by: date
    investigation_notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    outcome: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    complainant_told_on: date | None = None
    status: str = Field(default="open", max_length=16)  # open | responded | closed
    opened_by: str
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """An append-only, hash-chained record of every step and every human action."""

    __table_args__ = (UniqueConstraint("seq"), Index("ix_audit_subject", "subject_type", "subject_id"))
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInt)
    seq: int = Field(sa_type=BigInt)
    at: datetime = Field(default_factory=utcnow)
    actor: str  # "system", "daemon:<host>", or a username
    action: str  # e.g. item.ingested, case.opened, alert.queued, case.viewed
    subject_type: str = ""
    subject_id: str = ""
    detail: dict[str, Any] | None = _json()
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=64)
    display_name: str = ""
    role: str = Field(max_length=32)  # admin | dsl | deputy_dsl | setting_manager | viewer
    locations: list[str] = _json_list()  # scope for setting managers
    person_id: str | None = None  # link to config people (for alerts)
    password_hash: str
    failed_logins: int = 0
    locked_until: datetime | None = None
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    password_changed_at: datetime = Field(default_factory=utcnow)


class RosterChild(SQLModel, table=True):
    """A child on the register; names encrypted at rest, fingerprint for look-ups."""

    id: int | None = Field(default=None, primary_key=True)
    location_id: str | None = Field(default=None, foreign_key="location.id")
    name_enc: str = Field(sa_column=Column(Text, nullable=False))
    known_as_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    name_fingerprint: str = Field(max_length=64, unique=True)
    photo_consent: str = "unknown"  # yes | no | internal_only | unknown
    consent_recorded_by: str | None = None
    consent_recorded_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class Lease(SQLModel, table=True):
    """A named lease held by one daemon process (scheduler leadership, jobs)."""

    name: str = Field(primary_key=True, max_length=64)
    holder: str
    expires_at: datetime


class ApprovedImage(SQLModel, table=True):
    """A picture (by PDQ hash) a manager confirmed: "the children in it have consent".

    Issue 9: no pixels are stored, only the hash; a re-post, crop or resize matches it
    within ``classifiers.images.pdq.MATCH_THRESHOLD`` bits.
    """

    __table_args__ = (Index("ix_approvedimage_pdq", "pdq"),)
    id: int | None = Field(default=None, primary_key=True)
    pdq: str = Field(max_length=64)
    approved_by: str
    approved_at: datetime = Field(default_factory=utcnow)
    case_id: int | None = Field(default=None, foreign_key="case.id", sa_type=BigInt)
    note: str | None = None
    revoked_at: datetime | None = None
    #: set on the hashes of the usual re-post crops of an approved picture (its main hash)
    variant_of: str | None = Field(default=None, max_length=64)


class ConsentLink(SQLModel, table=True):
    """A manager's statement "this child is in this picture" (PDQ hash): no face recognition.

    The child's *current* consent on RosterChild decides what a match means, so changing
    a child's consent to "no" takes effect on every linked picture at once.
    """

    __table_args__ = (UniqueConstraint("pdq", "roster_child_id"),)
    id: int | None = Field(default=None, primary_key=True)
    pdq: str = Field(max_length=64)
    #: removing a child from the roster (``roster import --replace``) removes its links
    roster_child_id: int = Field(foreign_key="rosterchild.id", ondelete="CASCADE")
    linked_by: str
    linked_at: datetime = Field(default_factory=utcnow)
    case_id: int | None = Field(default=None, foreign_key="case.id", sa_type=BigInt)
    variant_of: str | None = Field(default=None, max_length=64)  # as ApprovedImage.variant_of
