"""What the Facebook Page and Instagram connectors share: both speak Meta's Graph API.

One token in a bearer header, Graph's error envelope (``graph_interpreter``), the
``api_version`` option, Meta's webhook handshake and signature, and the same take-down
calls (``POST /{id}`` to hide or unhide, ``DELETE /{id}``) answering ``{"success": true}``.
A subclass declares its wire client, its webhook ``object`` and how a verified payload
becomes items (``webhook_items``); the rest lives here once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, ClassVar, Self

import httpx

from connectors import meta_webhooks
from connectors.base import Action, ActionResult, FetchedItem, WebhookRequest, WebhookResponse
from connectors.common import Clock, ConnectorSecrets, HttpConnector, now, require_token
from connectors.facebook.client import (
    DEFAULT_BASE_URL,
    DEFAULT_VERSION,
    GraphApiClient,
    GraphRequestRejected,
    graph_interpreter,
)
from monitor.config import AccountConfig


class MetaGraphConnector(HttpConnector):
    """Base of the Graph connectors: ``from_config``, webhooks and take-downs."""

    actions: ClassVar[frozenset[Action]] = frozenset({Action.HIDE, Action.UNHIDE, Action.DELETE})
    supports_webhooks: ClassVar[bool] = True

    #: The wire client class built by ``from_config`` (a ``GraphApiClient``).
    client_class: ClassVar[type[GraphApiClient]]
    #: What ``require_token`` calls the token when it is missing.
    token_what: ClassVar[str]
    #: Keyword arguments for ``graph_interpreter`` besides the token hint.
    interpreter_options: ClassVar[dict[str, str]] = {}
    #: The webhook payload's ``object`` this connector reads, and the answer to any other.
    webhook_object: ClassVar[str]
    webhook_ignored: ClassVar[str]
    #: Who "did not confirm" a take-down whose answer lacks ``success``.
    confirmer: ClassVar[str]
    logger: ClassVar[logging.Logger]

    def __init__(self, client: Any, *, account: AccountConfig, app_secret: str | None = None,
                 verify_token: str | None = None, clock: Clock = now,
                 owned_http: httpx.Client | None = None) -> None:
        super().__init__(client, account=account, clock=clock, owned_http=owned_http)
        self.app_secret = app_secret
        self.verify_token = verify_token

    @classmethod
    def from_config(cls, account: AccountConfig, secrets: ConnectorSecrets, *,
                    http: httpx.Client | None = None, clock: Clock = now) -> Self:
        token = require_token(account, secrets, what=cls.token_what)
        hint = f" and set {account.token_env}" if account.token_env else ""
        api, owned_http = cls.open_api(
            account, secrets, http=http, clock=clock, default_base_url=DEFAULT_BASE_URL,
            headers={"authorization": f"Bearer {token}"},
            interpret=graph_interpreter(hint=hint, **cls.interpreter_options), logger=cls.logger,
        )
        version = str(account.options.get("api_version", DEFAULT_VERSION))
        return cls(cls.client_class(api, version=version), account=account, app_secret=secrets.app_secret,
                   verify_token=secrets.verify_token, clock=clock, owned_http=owned_http)

    # -- webhooks -----------------------------------------------------------------------
    def handle_webhook(self, request: WebhookRequest) -> WebhookResponse:
        if request.method.upper() == "GET":
            return meta_webhooks.handshake(request, self.verify_token, account=self.account.id)
        refusal, payload = meta_webhooks.verified_json(request, self.app_secret, account=self.account.id)
        if refusal is not None:
            return refusal
        if payload.get("object") != self.webhook_object:
            return WebhookResponse(status=200, body=self.webhook_ignored)
        return WebhookResponse(status=200, body="EVENT_RECEIVED", items=tuple(self.webhook_items(payload)))

    def webhook_items(self, payload: dict[str, Any]) -> Iterable[FetchedItem]:
        """The items in a verified delivery whose ``object`` is ours."""
        raise NotImplementedError

    # -- take-down ----------------------------------------------------------------------
    def act(self, external_id: str, action: Action) -> ActionResult:
        action = Action(action)
        try:
            if action is Action.DELETE:
                body = self.client.delete(external_id)
            elif action in (Action.HIDE, Action.UNHIDE):
                body = self.client.set_hidden(external_id, action is Action.HIDE)
            else:
                return super().act(external_id, action)
        except GraphRequestRejected as exc:
            return ActionResult(False, action, external_id, str(exc))
        ok = bool(isinstance(body, dict) and body.get("success"))
        return ActionResult(ok, action, external_id, "" if ok else f"{self.confirmer} did not confirm")
