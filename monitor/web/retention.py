"""Data protection: purge the text of items that never raised a case.

Why keep the row? Counts (items seen per account, per day) and the content hash stay
useful for statistics and for recognising a re-post, while the words written by a
member of the public — personal data we have no reason to keep — are gone. Items that
raised a case, and the posts those cases hang off (their thread context), are kept:
the DSL needs them for the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from monitor import audit
from monitor.models import Case, Item, ItemVersion

CHUNK = 500


@dataclass
class PurgeResult:
    items: int = 0
    versions: int = 0
    raw_payloads: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"items": self.items, "versions": self.versions, "raw_payloads": self.raw_payloads}


def purge(session: Session, *, text_days: int, now: datetime, actor: str = "system",
          dry_run: bool = False) -> PurgeResult:
    """Clear ``text`` and ``raw`` of caseless items fetched more than ``text_days`` ago,
    and ``raw`` of any item past its ``raw_expires_at``; one audit event records counts."""
    cutoff = now - timedelta(days=text_days)
    case_items = select(Case.item_id)
    case_parents = (select(Item.parent_external_id)
                    .join(Case, col(Case.item_id) == Item.id)
                    .where(col(Item.parent_external_id).is_not(None)))
    ids = list(session.exec(
        select(Item.id).where(col(Item.fetched_at) < cutoff, col(Item.text_purged_at).is_(None),
                              col(Item.id).not_in(case_items),
                              col(Item.external_id).not_in(case_parents))))
    res = PurgeResult(items=len(ids))
    if not dry_run:
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i:i + CHUNK]
            session.exec(update(Item).where(col(Item.id).in_(chunk))
                         .values(text=None, raw=None, raw_expires_at=None, text_purged_at=now))
            r = session.exec(update(ItemVersion).where(col(ItemVersion.item_id).in_(chunk))
                             .values(text=None))
            res.versions += r.rowcount or 0
        r = session.exec(update(Item).where(col(Item.raw_expires_at) < now)
                         .values(raw=None, raw_expires_at=None))
        res.raw_payloads = r.rowcount or 0
    audit.append(session, actor=actor, action="retention.dry_run" if dry_run else "retention.purged",
                 subject_type="retention", subject_id="items",
                 detail={**res.as_dict(), "text_days": text_days, "cutoff": cutoff.isoformat()},
                 at=now)
    return res
