"""The webhook endpoint: platforms push events here; verified items go through ingest.

``/webhooks/{account_id}`` hands the raw request to the account's connector, which checks
the signature (403 for a bad or missing one) and parses the event into items. Refusals
are recorded in the audit trail. Accepted items are stored with the same idempotent
``ingest_batch`` as polled ones, so a replayed event creates nothing new; the pipeline
picks them up on its next tick (about a second).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from sqlalchemy.engine import Engine

from connectors.base import Batch, Connector, WebhookRequest
from monitor import audit
from monitor.config import Config
from monitor.db import session_scope
from monitor.errors import MonitorError
from monitor.store import ingest_batch

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000


def webhook_router(engine: Engine, config: Config,
                   connector_factory: Callable[[str], Connector],
                   on_ingest: Callable[[], None] | None = None) -> APIRouter:
    router = APIRouter(tags=["webhooks"])

    @router.api_route("/webhooks/{account_id}", methods=["GET", "POST"], include_in_schema=False)
    async def receive(account_id: str, request: Request) -> Response:
        account = config.account(account_id)
        if account is None or not account.enabled:
            return Response("unknown account", status_code=404, media_type="text/plain")
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response("too large", status_code=413, media_type="text/plain")
        wreq = WebhookRequest(method=request.method,
                              headers={k.lower(): v for k, v in request.headers.items()},
                              query=dict(request.query_params), body=body)
        try:
            connector = connector_factory(account_id)
        except MonitorError as err:
            log.error("webhook for %s: connector unavailable: %s", account_id, err)
            return Response("unavailable", status_code=503, media_type="text/plain")
        try:
            if not connector.supports_webhooks:
                return Response("webhooks not supported", status_code=404, media_type="text/plain")
            result = connector.handle_webhook(wreq)
        finally:
            connector.close()
        if result.status == 403:
            with session_scope(engine) as s:
                audit.append(s, actor="webhook", action="webhook.refused", subject_type="account",
                             subject_id=account_id, detail={"reason": result.body[:200],
                                                            "method": request.method})
        elif result.items:
            with session_scope(engine) as s:
                res = ingest_batch(s, account_id=account_id, platform=connector.platform,
                                   batch=Batch(items=list(result.items), stream="webhook"),
                                   actor="webhook", raw_days=config.retention.raw_payload_days)
            log.info("webhook %s: %d new, %d edited, %d unchanged", account_id, res.new,
                     res.edited, res.unchanged)
            if on_ingest and res.stored:
                on_ingest()
        return Response(result.body, status_code=result.status, media_type="text/plain")

    return router
