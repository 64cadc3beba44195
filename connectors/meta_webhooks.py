"""Meta (Facebook Page and Instagram) webhook plumbing: the handshake and the signature.

Subscription handshake: Meta sends ``GET ?hub.mode=subscribe&hub.verify_token=..&
hub.challenge=..``; we answer the challenge verbatim only when the verify token matches.

Event deliveries are ``POST`` with ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the
raw body keyed with the app secret>``. A missing or wrong signature, or an app secret we
do not have, is refused with 403 before the body is even parsed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from connectors.base import WebhookRequest, WebhookResponse

log = logging.getLogger("connectors.webhooks")

SIGNATURE_HEADER = "x-hub-signature-256"


def sign(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value Meta would send for ``body``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(request: WebhookRequest, app_secret: str | None) -> bool:
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not app_secret or not given.startswith("sha256="):
        return False
    return hmac.compare_digest(given, sign(request.body, app_secret))


def handshake(request: WebhookRequest, verify_token: str | None, *, account: str) -> WebhookResponse:
    """Answer Meta's subscription GET: echo ``hub.challenge`` when the token matches."""
    q = request.query
    if (
        q.get("hub.mode") == "subscribe"
        and verify_token
        and hmac.compare_digest(q.get("hub.verify_token", ""), verify_token)
    ):
        return WebhookResponse(status=200, body=q.get("hub.challenge", ""))
    log.warning("[%s] webhook subscription refused: verify token does not match", account)
    return WebhookResponse(status=403, body="verify token mismatch")


def verified_json(
    request: WebhookRequest, app_secret: str | None, *, account: str
) -> tuple[WebhookResponse | None, dict[str, Any]]:
    """(refusal, {}) for a bad signature or body; (None, payload) when it may be parsed."""
    if request.method.upper() == "GET":
        return WebhookResponse(status=405, body="use the subscription handshake"), {}
    if SIGNATURE_HEADER not in request.headers:
        log.warning("[%s] webhook refused: no X-Hub-Signature-256 header", account)
        return WebhookResponse(status=403, body="missing signature"), {}
    if not app_secret:
        log.warning("[%s] webhook refused: no app secret configured to check it", account)
        return WebhookResponse(status=403, body="app secret not configured"), {}
    if not signature_valid(request, app_secret):
        log.warning("[%s] webhook refused: X-Hub-Signature-256 does not match", account)
        return WebhookResponse(status=403, body="bad signature"), {}
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return WebhookResponse(status=400, body="body is not JSON"), {}
    if not isinstance(payload, dict):
        return WebhookResponse(status=400, body="body is not a JSON object"), {}
    return None, payload
