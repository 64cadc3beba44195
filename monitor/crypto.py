"""Encryption at rest for tokens and the children's roster (Fernet: AES-128-CBC + HMAC).

The key comes from ``SAFEGUARD_SECRET_KEY`` or ``SAFEGUARD_SECRET_KEY_FILE``; with
neither, a key file ``.safeguard.key`` is created beside the database on first use (mode
0600) so the embedded demo works without set-up. Several keys may be given, comma
separated, newest first: data is encrypted with the first and decrypted with any, which
is how the key is rotated (``safeguard rotate-key`` re-encrypts everything).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from monitor.errors import ConfigError

DEFAULT_KEY_FILE = Path(".safeguard.key")


def _load_keys() -> list[str]:
    raw = os.environ.get("SAFEGUARD_SECRET_KEY")
    if not raw:
        key_file = Path(os.environ.get("SAFEGUARD_SECRET_KEY_FILE") or DEFAULT_KEY_FILE)
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(Fernet.generate_key().decode())
        raw = key_file.read_text(encoding="utf-8")
    keys = [k.strip() for k in raw.replace("\n", ",").split(",") if k.strip()]
    if not keys:
        raise ConfigError("SAFEGUARD_SECRET_KEY: empty; generate one with `safeguard keygen`")
    return keys


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError):
        raise ConfigError(
            "SAFEGUARD_SECRET_KEY: not a valid Fernet key (32 url-safe base64 bytes); "
            "generate one with `safeguard keygen`"
        ) from None


def cipher() -> MultiFernet:
    return _fernet(tuple(_load_keys()))


def encrypt(plain: str) -> str:
    return cipher().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise ConfigError(
            "stored secret cannot be decrypted with the configured SAFEGUARD_SECRET_KEY "
            "(was the key changed without `safeguard rotate-key`?)"
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt with the newest key."""
    return cipher().rotate(token.encode("ascii")).decode("ascii")


def keyed_hash(value: str) -> str:
    """A stable, keyed fingerprint (HMAC-SHA256) for look-ups of encrypted values."""
    key = _load_keys()[-1].encode()
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")
