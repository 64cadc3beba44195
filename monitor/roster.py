"""The children's roster: names per location, imported from CSV, encrypted at rest.

Why store it at all? Matching names the setting actually cares for is the strongest
signal that a comment identifies one of *its* children. Why encrypt? It is the most
sensitive list the system holds; the database alone (a backup, a dump) must not reveal
it. Names are stored Fernet-encrypted, with a keyed fingerprint (HMAC) so an import can
update a child without decrypting everything. Photo consent is recorded beside the name.

CSV columns (header required): ``name, known_as, location, photo_consent``; consent is
``yes``, ``no``, ``internal_only`` or empty (unknown).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from monitor import audit, crypto
from monitor.clock import utcnow
from monitor.config import Config
from monitor.errors import ConfigError
from monitor.models import RosterChild

CONSENT = {"yes", "no", "internal_only", "unknown", ""}


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def _fingerprint(name: str, location: str | None) -> str:
    return crypto.keyed_hash(f"{(location or '').lower()}|{' '.join(name.lower().split())}")


def import_csv(session: Session, config: Config, source: Path | str, *, by: str,
               replace: bool = False) -> ImportResult:
    """Add or update children from a CSV file; with ``replace`` children not in it are removed."""
    text = Path(source).read_text(encoding="utf-8-sig") if not isinstance(source, str) or "\n" not in source else source
    reader = csv.DictReader(io.StringIO(text))
    missing = {"name", "location"} - set(reader.fieldnames or [])
    if missing:
        raise ConfigError(f"roster CSV: missing column(s) {', '.join(sorted(missing))}; "
                          "expected name, known_as, location, photo_consent")
    locations = {loc.id for loc in config.locations}
    result = ImportResult()
    seen: set[str] = set()
    now = utcnow()
    for lineno, row in enumerate(reader, start=2):
        name = " ".join((row.get("name") or "").split())
        loc = (row.get("location") or "").strip() or None
        consent = (row.get("photo_consent") or "").strip().lower()
        known_as = " ".join((row.get("known_as") or "").split()) or None
        if not name:
            result.problems.append(f"line {lineno}: empty name")
            continue
        if loc is not None and loc not in locations:
            result.problems.append(f"line {lineno}: unknown location {loc!r}")
            continue
        if consent not in CONSENT:
            result.problems.append(f"line {lineno}: photo_consent {consent!r} is not yes/no/internal_only")
            continue
        fp = _fingerprint(name, loc)
        seen.add(fp)
        existing = session.exec(select(RosterChild).where(RosterChild.name_fingerprint == fp)).first()
        consent = consent or "unknown"
        if existing is None:
            session.add(RosterChild(location_id=loc, name_enc=crypto.encrypt(name),
                                    known_as_enc=crypto.encrypt(known_as) if known_as else None,
                                    name_fingerprint=fp, photo_consent=consent,
                                    consent_recorded_by=by, consent_recorded_at=now, updated_at=now))
            result.added += 1
            continue
        old_known = crypto.decrypt(existing.known_as_enc) if existing.known_as_enc else None
        if old_known == known_as and existing.photo_consent == consent:
            result.unchanged += 1
            continue
        existing.known_as_enc = crypto.encrypt(known_as) if known_as else None
        if existing.photo_consent != consent:
            existing.photo_consent = consent
            existing.consent_recorded_by = by
            existing.consent_recorded_at = now
        existing.updated_at = now
        session.add(existing)
        result.updated += 1
    removed = 0
    if replace and not result.problems:
        for child in session.exec(select(RosterChild)):
            if child.name_fingerprint not in seen:
                session.delete(child)
                removed += 1
    audit.append(session, actor=by, action="roster.imported", subject_type="roster",
                 detail={"added": result.added, "updated": result.updated,
                         "unchanged": result.unchanged, "removed": removed,
                         "problems": len(result.problems)})  # never the names
    return result


def roster_version(session: Session) -> str:
    """Changes whenever the roster does; the daemon reloads its classifiers on a change."""
    from sqlalchemy import func

    count, latest = session.exec(select(func.count(), func.max(RosterChild.updated_at))).one()
    return f"{count}:{latest.isoformat() if latest else '-'}"
