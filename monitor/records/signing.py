"""The Ed25519 key that signs evidence-pack manifests.

Why Ed25519? Small keys and signatures, no parameters to get wrong, and ``cryptography``
implements it. Why a separate key from the Fernet key? The Fernet key is symmetric: anyone
able to check a Fernet MAC could forge one. An inspector checking a pack needs only the
public key, which the pack carries; they compare its fingerprint with the one the
organisation gives them (printed by ``safeguard evidence verify`` and on the summary).

The private key is kept in a file (``records.signing_key_file``), encrypted with the
monitor's Fernet key (``monitor.crypto``) and created on first use with mode 0600.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from monitor import crypto
from monitor.errors import ConfigError


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_or_create(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    p = Path(path)
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
        try:
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it meanwhile: use theirs
            return load_or_create(p)
        with os.fdopen(fd, "w") as fh:
            fh.write(crypto.encrypt(base64.b64encode(raw).decode("ascii")))
        return key
    try:
        raw = base64.b64decode(crypto.decrypt(p.read_text(encoding="utf-8").strip()))
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (ValueError, TypeError):
        raise ConfigError(f"{p}: not an evidence signing key written by safeguard") from None


def public_raw(key: Ed25519PrivateKey) -> bytes:
    return _raw_public(key.public_key())


def fingerprint(public: bytes) -> str:
    """SHA-256 of the raw public key, in groups of four hex digits (read aloud on a call)."""
    h = hashlib.sha256(public).hexdigest()
    return " ".join(h[i:i + 4] for i in range(0, 32, 4))  # first 128 bits


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    return key.sign(data)


def check(public: bytes, signature: bytes, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True
