"""Passwords, login lock-out, CSRF tokens and security headers.

Why argon2id with the library defaults? They follow RFC 9106's recommendation and
``needs_rehash`` lets us raise them later without forcing resets.

Why verify a dummy hash for unknown users? Otherwise a login for a name that does not
exist returns measurably faster, and timing alone would reveal which accounts exist.

Why a synchroniser token and not only SameSite? SameSite=Lax still lets a top-level POST
from some browsers and same-site subdomains through; a per-session random token in every
form is checked on every POST (``compare_digest``: no timing leak on the comparison).
"""

from __future__ import annotations

import hmac
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))

MIN_PASSWORD_LENGTH = 12

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; always does one argon2 verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


@dataclass
class LockoutPolicy:
    """Per-account lock-out: ``max_failures`` in a row locks it for ``lock_minutes``."""

    max_failures: int = 5
    lock_minutes: int = 15


@dataclass
class IpThrottle:
    """Per-client cap on failed logins in a sliding window, against password spraying
    across many accounts (which the per-account lock-out cannot see). In memory: one
    process serves the review page; a restart forgets, which only helps a real user."""

    max_failures: int = 30
    window: timedelta = timedelta(minutes=15)
    _seen: dict[str, deque[datetime]] = field(default_factory=dict)

    def blocked(self, client: str, now: datetime) -> bool:
        q = self._seen.get(client)
        if not q:
            return False
        while q and q[0] < now - self.window:
            q.popleft()
        return len(q) >= self.max_failures

    def failed(self, client: str, now: datetime) -> None:
        self._seen.setdefault(client, deque()).append(now)
        if len(self._seen) > 10_000:  # bound memory under a flood of addresses
            self._seen.pop(next(iter(self._seen)))


class SecurityHeadersMiddleware:
    """Adds the headers above to every response, including errors and static files."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.headers = list(SECURITY_HEADERS)
        if hsts:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in names]
                if not scope.get("path", "").startswith("/static/") and b"cache-control" not in names:
                    # Case pages hold sensitive text: never keep them in a shared or disk cache.
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


Clock = Callable[[], datetime]
