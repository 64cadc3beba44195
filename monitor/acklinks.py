"""Signed, expiring "acknowledge" links for alert emails.

Why signed tokens rather than the case URL? The person reading an email on their phone
may not be signed in to the review page; the link itself proves it was sent to them
(HMAC with a server secret, via itsdangerous) and expires after
``alerts.ack_link_hours``. The token names the case and the person, nothing else — no
case content ever travels in a URL.

The secret comes from the environment variable named by ``alerts.ack_secret_env``;
without it emails carry the review page's link instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from monitor.clock import utcnow
from monitor.config import Config

SALT = "safeguard-monitor.ack.v1"


class AckLinkInvalid(Exception):
    """The token was tampered with, signed with another secret, or is not a token."""


class AckLinkExpired(AckLinkInvalid):
    """The token is genuine but older than ``alerts.ack_link_hours``."""


@dataclass(frozen=True)
class AckClaim:
    case_id: int
    person_id: str


def _secret(config: Config) -> str | None:
    return os.environ.get(config.alerts.ack_secret_env) or None


class _ClockSigner(TimestampSigner):
    """Timestamps from ``monitor.clock`` so expiry is testable with FrozenClock."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT, signer=_ClockSigner)


def make_token(config: Config, case_id: int, person_id: str) -> str | None:
    """A token for ``/ack/{token}``, or None when no secret is configured."""
    secret = _secret(config)
    if not secret:
        return None
    return str(_serializer(secret).dumps({"c": case_id, "p": person_id}))


def ack_url(config: Config, case_id: int, person_id: str) -> str:
    base = config.review_url.rstrip("/")
    token = make_token(config, case_id, person_id)
    return f"{base}/ack/{token}" if token else f"{base}/cases/{case_id}/acknowledge"


def read_token(config: Config, token: str) -> AckClaim:
    """The case and person a token names; raises AckLinkExpired / AckLinkInvalid."""
    secret = _secret(config)
    if not secret:
        raise AckLinkInvalid("acknowledge links are not enabled (no secret configured)")
    try:
        data = _serializer(secret).loads(token, max_age=config.alerts.ack_link_hours * 3600)
    except SignatureExpired:
        raise AckLinkExpired("this acknowledge link has expired") from None
    except BadSignature:
        raise AckLinkInvalid("this acknowledge link is not valid") from None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("p"), str):
        raise AckLinkInvalid("this acknowledge link is not valid")
    return AckClaim(case_id=data["c"], person_id=data["p"])
