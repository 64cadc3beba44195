"""The photo-consent register: per-child consent, approved pictures, child–picture links.

Three kinds of human statement, each recorded with who made it and when, and audited:

- a child's photo consent for social media (``record_consent``): yes / no /
  internal_only / unknown, on the roster row;
- "the children in this photo have consent" (``approve_image``): the picture's PDQ hash
  is approved, so a re-post, crop or resize of it (within ``MATCH_THRESHOLD`` bits)
  raises no "faces without consent" finding;
- "this child is in this photo" (``link_child``): wherever the picture reappears (any
  account, any post or comment), the child's *current* consent decides: "no" is
  critical at once, internal_only or unknown is high.

No face recognition: the register works only from people's confirmations and image
hashes. Nothing here stores pixels.

The image classifiers read the register through :class:`DbConsentIndex`, a snapshot
refreshed every ``ttl`` seconds (and at once in this process after a change), because a
classifier must never open its own write transaction inside the pipeline's.

Functions for the review page (all take the caller's Session; the caller commits):
``record_consent``, ``approve_image``, ``approve_case_images``, ``revoke_approval``,
``link_child``, ``unlink_child``, ``case_image_hashes``, ``lookup``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from classifiers.images.consent_index import ChildLink, ConsentIndex, StaticConsentIndex
from classifiers.images.pdq import MATCH_THRESHOLD, distance
from monitor import audit
from monitor.clock import utcnow
from monitor.errors import ConfigError
from monitor.models import ApprovedImage, ConsentLink, Finding, RosterChild

CONSENT_VALUES = ("yes", "no", "internal_only", "unknown")
IMAGE_CLASSIFIERS = ("image_metadata", "image_faces", "image_consent", "image_text")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")

_generation = 0  # bumped by every change in this process: indexes reload at once
_gen_lock = threading.Lock()


def _changed() -> None:
    global _generation
    with _gen_lock:
        _generation += 1


def _pdq(value: str) -> str:
    v = (value or "").strip().lower()
    if not _HEX64.match(v):
        raise ConfigError(f"not a PDQ hash (64 hex digits): {value[:70]!r}")
    return v


def record_consent(session: Session, *, roster_child_id: int, consent: str, by: str) -> RosterChild:
    """Set a child's photo consent, recording who and when (the name is never audited)."""
    if consent not in CONSENT_VALUES:
        raise ConfigError(f"photo consent {consent!r}: expected one of {', '.join(CONSENT_VALUES)}")
    child = session.get(RosterChild, roster_child_id)
    if child is None:
        raise ConfigError(f"no roster child with id {roster_child_id}")
    old = child.photo_consent
    now = utcnow()
    child.photo_consent, child.consent_recorded_by, child.consent_recorded_at = consent, by, now
    child.updated_at = now
    session.add(child)
    audit.append(session, actor=by, action="consent.recorded", subject_type="roster_child",
                 subject_id=roster_child_id, detail={"from": old, "to": consent})
    _changed()
    return child


def approve_image(session: Session, *, pdq: str, by: str, case_id: int | None = None,
                  note: str | None = None, variants: Sequence[str] = ()) -> ApprovedImage:
    """Record "the children in this photo have consent" for a picture's PDQ hash.

    ``variants`` are the picture's re-post crop hashes (``pdq_variants`` in its finding's
    region), stored beside it so a cropped re-post is recognised too.
    """
    main = _pdq(pdq)
    row = ApprovedImage(pdq=main, approved_by=by, case_id=case_id, note=note)
    session.add(row)
    for v in {_pdq(v) for v in variants} - {main}:
        session.add(ApprovedImage(pdq=v, approved_by=by, case_id=case_id, variant_of=main))
    session.flush()
    audit.append(session, actor=by, action="image.approved", subject_type="approved_image",
                 subject_id=row.id or "", detail={"pdq": row.pdq, "case": case_id,
                                                  "variants": len(set(variants) - {main})})
    _changed()
    return row


def revoke_approval(session: Session, *, approval_id: int, by: str) -> None:
    """Withdraw an approval (and its variant hashes)."""
    row = session.get(ApprovedImage, approval_id)
    if row is None or row.revoked_at is not None:
        return
    now = utcnow()
    for r in session.exec(select(ApprovedImage).where(
            col(ApprovedImage.revoked_at).is_(None),
            (col(ApprovedImage.id) == approval_id) | (col(ApprovedImage.variant_of) == row.pdq))):
        r.revoked_at = now
        session.add(r)
    audit.append(session, actor=by, action="image.approval_revoked", subject_type="approved_image",
                 subject_id=approval_id, detail={"pdq": row.pdq})
    _changed()


def link_child(session: Session, *, pdq: str, roster_child_id: int, by: str,
               case_id: int | None = None, variants: Sequence[str] = ()) -> ConsentLink:
    """Record "this child is in this picture" (and its re-post crops); idempotent."""
    h = _pdq(pdq)
    if session.get(RosterChild, roster_child_id) is None:
        raise ConfigError(f"no roster child with id {roster_child_id}")
    existing = session.exec(select(ConsentLink).where(
        ConsentLink.pdq == h, ConsentLink.roster_child_id == roster_child_id)).first()
    if existing is not None:
        return existing
    row = ConsentLink(pdq=h, roster_child_id=roster_child_id, linked_by=by, case_id=case_id)
    session.add(row)
    for v in {_pdq(v) for v in variants} - {h}:
        if session.exec(select(ConsentLink).where(
                ConsentLink.pdq == v, ConsentLink.roster_child_id == roster_child_id)).first() is None:
            session.add(ConsentLink(pdq=v, roster_child_id=roster_child_id, linked_by=by,
                                    case_id=case_id, variant_of=h))
    session.flush()
    audit.append(session, actor=by, action="image.child_linked", subject_type="roster_child",
                 subject_id=roster_child_id, detail={"pdq": h, "case": case_id})
    _changed()
    return row


def unlink_child(session: Session, *, pdq: str, roster_child_id: int, by: str) -> bool:
    """Remove a child–picture link and its variant hashes."""
    h = _pdq(pdq)
    rows = list(session.exec(select(ConsentLink).where(
        ConsentLink.roster_child_id == roster_child_id,
        (col(ConsentLink.pdq) == h) | (col(ConsentLink.variant_of) == h))))
    if not rows:
        return False
    for row in rows:
        session.delete(row)
    audit.append(session, actor=by, action="image.child_unlinked", subject_type="roster_child",
                 subject_id=roster_child_id, detail={"pdq": h})
    _changed()
    return True


def case_image_hashes(session: Session, *, item_id: int) -> dict[str, list[str]]:
    """PDQ hash → its re-post crop hashes, for an item's pictures (from its image findings)."""
    found: dict[str, list[str]] = {}
    rows = session.exec(select(Finding.spans).where(
        Finding.item_id == item_id, col(Finding.classifier).in_(IMAGE_CLASSIFIERS)))
    for spans in rows:
        for sp in spans or []:
            detail = (sp or {}).get("detail") or {}
            h = detail.get("pdq")
            if not (isinstance(h, str) and _HEX64.match(h)):
                continue
            variants = [v for v in detail.get("pdq_variants") or []
                        if isinstance(v, str) and _HEX64.match(v)]
            found.setdefault(h, [])
            found[h] += [v for v in variants if v not in found[h]]
    return found


def approve_case_images(session: Session, *, case_id: int, item_id: int, by: str) -> list[ApprovedImage]:
    """The review page's "the children in this photo have consent" button for a case."""
    return [approve_image(session, pdq=h, by=by, case_id=case_id, variants=v)
            for h, v in case_image_hashes(session, item_id=item_id).items()]


@dataclass
class LookupResult:
    approved: list[tuple[int, int]] = field(default_factory=list)  # (approval id, distance)
    children: list[dict[str, Any]] = field(default_factory=list)  # id, consent, distance


def lookup(session: Session, *, pdq: str, threshold: int = MATCH_THRESHOLD) -> LookupResult:
    """What the register says about a picture (for the review page and check-post)."""
    h = _pdq(pdq)
    res = LookupResult()
    for a in session.exec(select(ApprovedImage).where(col(ApprovedImage.revoked_at).is_(None))):
        d = distance(h, a.pdq)
        if d <= threshold:
            res.approved.append((a.id or 0, d))
    res.approved.sort(key=lambda t: t[1])
    for link, consent in session.exec(select(ConsentLink, RosterChild.photo_consent).join(
            RosterChild, col(RosterChild.id) == ConsentLink.roster_child_id)):
        d = distance(h, link.pdq)
        if d <= threshold:
            res.children.append({"roster_child_id": link.roster_child_id, "consent": consent,
                                 "distance": d})
    return res


def snapshot(session: Session) -> StaticConsentIndex:
    """An in-memory index of the whole register (a few bytes per picture)."""
    approved = list(session.exec(select(ApprovedImage.pdq).where(
        col(ApprovedImage.revoked_at).is_(None))))
    links = [(p, cid, consent) for p, cid, consent in session.exec(
        select(ConsentLink.pdq, ConsentLink.roster_child_id, RosterChild.photo_consent).join(
            RosterChild, col(RosterChild.id) == ConsentLink.roster_child_id))]
    return StaticConsentIndex(approved=approved, links=links)


_SNAPSHOT_SQL = (
    "SELECT pdq FROM approvedimage WHERE revoked_at IS NULL",
    ("SELECT l.pdq, l.roster_child_id, r.photo_consent FROM consentlink l "
     "JOIN rosterchild r ON r.id = l.roster_child_id"),
)


def _read_snapshot(engine: Engine) -> StaticConsentIndex:
    """Read the register on a plain DBAPI connection, with no ``BEGIN IMMEDIATE``.

    Why not a Session? The pipeline calls the classifiers inside its own transaction;
    on SQLite every Session begins with ``BEGIN IMMEDIATE`` (``monitor.db``), so a second
    Session would wait for the pipeline's write lock — which is held by the very thread
    waiting. A plain read in WAL mode (or on PostgreSQL) takes no write lock.
    """
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(_SNAPSHOT_SQL[0])
        approved = [r[0] for r in cur.fetchall()]
        cur.execute(_SNAPSHOT_SQL[1])
        links = [(r[0], int(r[1]), r[2]) for r in cur.fetchall()]
        cur.close()
        raw.rollback()
    finally:
        raw.close()
    return StaticConsentIndex(approved=approved, links=links)


class DbConsentIndex(ConsentIndex):
    """The register as the image classifiers see it: a snapshot reloaded after ``ttl``
    seconds, or at once after a change made in this process."""

    def __init__(self, engine: Engine, *, ttl: float = 30.0) -> None:
        self.engine, self.ttl = engine, ttl
        self._snap: StaticConsentIndex | None = None
        self._loaded_at = 0.0
        self._gen = -1
        self._lock = threading.Lock()

    def _current(self) -> StaticConsentIndex:
        with self._lock:
            stale = time.monotonic() - self._loaded_at > self.ttl or self._gen != _generation
            if self._snap is None or stale:
                gen = _generation
                self._snap = _read_snapshot(self.engine)
                self._loaded_at, self._gen = time.monotonic(), gen
            return self._snap

    def approved(self, pdq_hex: str) -> int | None:
        return self._current().approved(pdq_hex)

    def children(self, pdq_hex: str) -> list[ChildLink]:
        return self._current().children(pdq_hex)


def configure_images(engine: Engine, *, allow_origins: tuple[str, ...] = (),
                     extra_hosts: dict[str, tuple[str, ...]] | None = None) -> None:
    """Wire the shared image runtime to this database's register and fetch policy.

    Call once at start-up (``Runtime``), before the pipeline runs: ``allow_origins`` is
    for the fake platforms only (tests, the demo); ``extra_hosts`` adds each WordPress
    site's own host under ``"wordpress"``.
    """
    from classifiers.images.runtime import configure
    from monitor.media import FetchPolicy

    configure(policy=FetchPolicy(allow_origins=allow_origins, extra_hosts=extra_hosts or {}),
              consent=DbConsentIndex(engine))
