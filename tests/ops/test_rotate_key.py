"""``safeguard rotate-key``: re-encrypt with the newest key so the old one can go."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.engine import Engine

from monitor import crypto
from monitor.accounts import store_token
from monitor.db import session_scope
from monitor.errors import ConfigError
from monitor.keyrotation import rotate_all
from monitor.models import Credential, RosterChild
from monitor.roster import _fingerprint
from tests.helpers import org_config, setup_org


def _seed(engine: Engine, tmp_path: Path) -> None:
    setup_org(engine, org_config(tmp_path))
    with session_scope(engine) as s:
        store_token(s, "fb-oak", "EAAtoken-for-rotation")
        s.add(RosterChild(location_id="oakfield", name_enc=crypto.encrypt("Zuzanna Nowak"),
                          known_as_enc=crypto.encrypt("Zuza"),
                          name_fingerprint=_fingerprint("Zuzanna Nowak", "oakfield")))


def test_after_rotation_the_old_key_can_be_removed(engine: Engine, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Old key → "new,old" → rotate-key → "new" alone still decrypts every secret."""
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("SAFEGUARD_SECRET_KEY", old)
    _seed(engine, tmp_path)
    monkeypatch.setenv("SAFEGUARD_SECRET_KEY", f"{new},{old}")
    res = rotate_all(engine, actor="test")
    assert res.as_dict() == {"credentials": 1, "roster_names": 1, "fingerprints_rekeyed": 0}
    monkeypatch.setenv("SAFEGUARD_SECRET_KEY", new)
    assert rotate_all(engine).fingerprints_rekeyed == 1  # old key gone: look-ups re-keyed
    with session_scope(engine) as s:
        assert crypto.decrypt(s.get(Credential, "fb-oak").secret_enc) == "EAAtoken-for-rotation"  # type: ignore[union-attr]
        child = s.get(RosterChild, 1)
        assert child is not None
        assert crypto.decrypt(child.name_enc) == "Zuzanna Nowak"
        assert crypto.decrypt(child.known_as_enc or "") == "Zuza"
        assert child.name_fingerprint == _fingerprint("Zuzanna Nowak", "oakfield")


def test_a_missing_old_key_is_refused_and_nothing_changes(sqlite_engine: Engine, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Rotating without the key the data was encrypted with fails loudly, atomically."""
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("SAFEGUARD_SECRET_KEY", old)
    _seed(sqlite_engine, tmp_path)
    with session_scope(sqlite_engine) as s:
        before = s.get(Credential, "fb-oak").secret_enc  # type: ignore[union-attr]
    monkeypatch.setenv("SAFEGUARD_SECRET_KEY", new)
    with pytest.raises(ConfigError, match="credential of account fb-oak"):
        rotate_all(sqlite_engine)
    with session_scope(sqlite_engine) as s:
        assert s.get(Credential, "fb-oak").secret_enc == before  # type: ignore[union-attr]
