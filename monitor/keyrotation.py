"""Re-encrypting everything kept encrypted at rest with the newest key.

``SAFEGUARD_SECRET_KEY`` may list several Fernet keys, newest first: values are encrypted
with the first and decrypted with any. Rotating is therefore three steps (OPERATIONS.md):
put the new key first, run ``safeguard rotate-key`` (this module), then drop the old key.

Why one transaction? A half-rotated database is fine while both keys are configured, but
an operator who drops the old key after a rotation that stopped half-way loses data; one
transaction means the command either rotated every value or none. The rows are locked
(``FOR UPDATE`` on PostgreSQL) so a ``set-token`` running meanwhile is not overwritten.

Roster fingerprints (``crypto.keyed_hash``, which uses the *last* configured key) are
recomputed too: while the old key is still listed last they do not change; once it is
removed, running ``rotate-key`` again re-keys them with the remaining key.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor import audit, crypto
from monitor.clock import utcnow
from monitor.db import require_schema, session_scope
from monitor.errors import ConfigError
from monitor.models import Credential, RosterChild
from monitor.roster import _fingerprint  # the roster's own look-up key


@dataclass
class RotationResult:
    credentials: int = 0
    roster_names: int = 0
    fingerprints_rekeyed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"credentials": self.credentials, "roster_names": self.roster_names,
                "fingerprints_rekeyed": self.fingerprints_rekeyed}


def _rotate(value: str, what: str) -> str:
    try:
        return crypto.rotate(value)
    except InvalidToken:
        raise ConfigError(
            f"{what}: cannot be decrypted with any key in SAFEGUARD_SECRET_KEY; add the key "
            "it was encrypted with (comma-separated, newest first) and run rotate-key again"
        ) from None


def rotate_all(engine: Engine, *, actor: str = "system") -> RotationResult:
    """Re-encrypt Credential secrets and roster names with the newest key, atomically."""
    require_schema(engine)
    res = RotationResult()
    with session_scope(engine) as session:
        lock = session.get_bind().dialect.name == "postgresql"
        creds = select(Credential)
        roster = select(RosterChild)
        for cred in session.exec(creds.with_for_update() if lock else creds):
            cred.secret_enc = _rotate(cred.secret_enc, f"credential of account {cred.account_id}")
            cred.updated_at = utcnow()
            session.add(cred)
            res.credentials += 1
        for child in session.exec(roster.with_for_update() if lock else roster):
            child.name_enc = _rotate(child.name_enc, f"roster child {child.id}")
            fingerprint = _fingerprint(crypto.decrypt(child.name_enc), child.location_id)
            if fingerprint != child.name_fingerprint:
                child.name_fingerprint = fingerprint
                res.fingerprints_rekeyed += 1
            if child.known_as_enc:
                child.known_as_enc = _rotate(child.known_as_enc, f"roster child {child.id}")
            session.add(child)
            res.roster_names += 1
        audit.append(session, actor=actor, action="keys.rotated", subject_type="system",
                     subject_id="encryption-key", detail=res.as_dict())
    return res
