"""Acknowledging alerts from outside the review page: Slack's button and the email link.

``POST /slack/actions`` is Slack's interactivity request URL. Slack signs each request:
``X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{raw body}">`` keyed with the
app's signing secret, plus ``X-Slack-Request-Timestamp``. A request is refused (401)
unless the signature matches (constant-time compare) and the timestamp is within five
minutes of now — a captured request cannot be replayed later. The body is
``payload=<url-encoded JSON>`` of type ``block_actions``; our Acknowledge button's value
is ``case:<id>:alert:<id>``.

``GET /ack/{token}`` is the email link (see ``monitor.acklinks``). Why does GET only show a
confirmation form, and POST acknowledge? Mail scanners (Safe Links, antivirus) fetch every
link in an email; a GET that acknowledged would silently stop an escalation nobody saw.

Where to mount: these are machine endpoints authenticated by their own signatures, so
they belong on the outer app beside the platform webhooks (``monitor.webserve``), not
behind the review page's session and CSRF check: ``outer.include_router(
alerts_router(engine, config))``. ``router`` is the same, reading ``app.state.web``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.engine import Engine

from monitor.acklinks import AckLinkExpired, AckLinkInvalid, read_token
from monitor.clock import utcnow
from monitor.config import Config
from monitor.db import session_scope
from monitor.escalation import acknowledge

log = logging.getLogger(__name__)
MAX_SKEW_SECONDS = 300
MAX_BODY = 64 * 1024


def csrf_exempt(path: str) -> bool:
    """Paths the review page's session CSRF check must let through.

    Slack's request carries no session and no CSRF token: its signature is the proof. The
    email link's signed token is itself unguessable and bound to one case and person.
    """
    return path == "/slack/actions" or path.startswith("/ack/")


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify_slack_signature(secret: str | None, timestamp: str | None, signature: str | None,
                           body: bytes, *, now: float) -> str | None:
    """None when the request is genuine and fresh, else why it is refused."""
    if not secret:
        return "no signing secret configured"
    if not timestamp or not signature:
        return "missing signature headers"
    try:
        ts = int(timestamp)
    except ValueError:
        return "malformed timestamp"
    if abs(now - ts) > MAX_SKEW_SECONDS:
        return "stale timestamp"
    if not hmac.compare_digest(slack_signature(secret, timestamp, body), signature):
        return "bad signature"
    return None


CtxFn = Callable[[Request], tuple[Engine, Config]]


def _ctx(request: Request) -> tuple[Engine, Config]:
    web = request.app.state.web
    return web.engine, web.config


def _person_for_slack(config: Config, member: str) -> str:
    person = next((p for p in config.people if p.slack_user == member), None)
    return person.id if person else f"slack:{member}"


def _case_from_value(value: str) -> int | None:
    parts = value.split(":")
    if len(parts) >= 2 and parts[0] == "case" and parts[1].isdigit():
        return int(parts[1])
    return None


async def handle_slack_actions(engine: Engine, config: Config, request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_BODY:
        return JSONResponse({"error": "too large"}, status_code=413)
    secret_env = config.alerts.slack.signing_secret_env if config.alerts.slack else None
    secret = os.environ.get(secret_env) if secret_env else None
    problem = verify_slack_signature(secret, request.headers.get("x-slack-request-timestamp"),
                                     request.headers.get("x-slack-signature"), body,
                                     now=utcnow().timestamp())
    if problem:
        log.warning("Slack interactivity request refused: %s", problem)
        return JSONResponse({"error": "invalid request"}, status_code=401)
    try:
        payload = json.loads(parse_qs(body.decode("utf-8"))["payload"][0])
    except (KeyError, IndexError, ValueError, UnicodeDecodeError):
        return JSONResponse({"error": "no payload"}, status_code=400)
    if not isinstance(payload, dict) or payload.get("type") != "block_actions":
        return Response(status_code=200)  # other interaction types: nothing to do
    member = str((payload.get("user") or {}).get("id") or "unknown")
    by = _person_for_slack(config, member)
    acked: list[int] = []
    for action in payload.get("actions") or []:
        if not isinstance(action, dict) or action.get("action_id") != "acknowledge":
            continue
        case_id = _case_from_value(str(action.get("value") or ""))
        if case_id is None:
            continue
        try:
            with session_scope(engine) as session:
                acknowledge(session, case_id, by=by, via="slack")
            acked.append(case_id)
        except LookupError:
            log.warning("Slack acknowledge for unknown case %s", case_id)
    return JSONResponse({"acknowledged": acked}, status_code=200)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (f"<!doctype html><html><head><meta charset=utf-8><title>{escape(title)}</title>"
            f'<meta name="referrer" content="no-referrer"></head><body><h1>{escape(title)}</h1>'
            f"{body}</body></html>")
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _claim_or_page(config: Config, token: str) -> Any:
    try:
        return read_token(config, token)
    except AckLinkExpired:
        return _page("Link expired", "<p>This acknowledge link has expired. Open the case in "
                     "the review page to acknowledge it.</p>", 410)
    except AckLinkInvalid:
        return _page("Link not valid", "<p>This acknowledge link is not valid.</p>", 400)


def handle_ack_page(config: Config, token: str) -> Response:
    claim = _claim_or_page(config, token)
    if isinstance(claim, Response):
        return claim
    return _page(f"Acknowledge case #{claim.case_id}",
                 f'<form method="post" action="/ack/{escape(token)}"><p>Acknowledging tells the '
                 "team you have seen this case and stops its escalation.</p>"
                 '<button type="submit">Acknowledge</button></form>')


def handle_ack_confirm(engine: Engine, config: Config, token: str) -> Response:
    claim = _claim_or_page(config, token)
    if isinstance(claim, Response):
        return claim
    try:
        with session_scope(engine) as session:
            acknowledge(session, claim.case_id, by=claim.person_id, via="email")
    except LookupError:
        return _page("Case not found", "<p>That case no longer exists.</p>", 404)
    base = config.review_url.rstrip("/")
    return _page(f"Case #{claim.case_id} acknowledged",
                 f'<p>Thank you. <a href="{escape(base)}/cases/{claim.case_id}">Open the case</a>.</p>')


def _make_router(ctx: CtxFn) -> APIRouter:
    r = APIRouter()

    @r.post("/slack/actions")
    async def slack_actions(request: Request) -> Response:
        engine, config = ctx(request)
        return await handle_slack_actions(engine, config, request)

    @r.get("/ack/{token}")
    def ack_link(token: str, request: Request) -> Response:
        return handle_ack_page(ctx(request)[1], token)

    @r.post("/ack/{token}")
    def ack_link_confirm(token: str, request: Request) -> Response:
        engine, config = ctx(request)
        return handle_ack_confirm(engine, config, token)

    return r


def alerts_router(engine: Engine, config: Config) -> APIRouter:
    """The endpoints bound to one database and configuration (for the outer app)."""
    return _make_router(lambda _request: (engine, config))


#: the same endpoints for an app that keeps a ``WebContext`` in ``app.state.web``
router = _make_router(_ctx)
