"""What every platform adapter shares: its secrets, its HTTP client, its clock.

``ConnectorSecrets`` holds decrypted credentials in memory only; it is built by the
caller (from ``read_secret`` or the encrypted store) and never logged: its ``repr``
hides the values.

``HttpConnector`` is the base of the platform adapters: it holds the wire client, the
account and the clock, opens the shared ``ApiClient`` request loop for ``from_config``,
and closes an HTTP client it owns.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.base import Connector
from connectors.http import DEFAULT_TIMEOUT, ApiClient, Interpreter
from monitor.config import AccountConfig
from monitor.errors import CredentialsRejected

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class ConnectorSecrets:
    """Decrypted credentials for one account. ``repr`` never shows them."""

    token: str | None = field(default=None, repr=False)
    app_secret: str | None = field(default=None, repr=False)
    verify_token: str | None = field(default=None, repr=False)

    def values(self) -> tuple[str, ...]:
        return tuple(v for v in (self.token, self.app_secret, self.verify_token) if v)


def require_token(account: AccountConfig, secrets: ConnectorSecrets, *, what: str) -> str:
    """The access token, or CredentialsRejected naming the places it is looked for."""
    if secrets.token:
        return secrets.token
    places = []
    if account.token_env:
        places.append(f"set the environment variable {account.token_env}")
    if account.token_file:
        places.append(f"put it in the file {account.token_file}")
    if not places:
        places.append(f"add token_env: or token_file: to account {account.id!r} in the config")
    raise CredentialsRejected(
        f"no {what} for {account.platform} account {account.id!r}: " + " or ".join(places),
        account=account.id,
    )


def timeout_of(account: AccountConfig) -> float:
    return float(account.options.get("timeout", DEFAULT_TIMEOUT))


def http_client(http: httpx.Client | None) -> tuple[httpx.Client, bool]:
    """(client, owned): a caller's shared client, or a new one the connector must close."""
    if http is not None:
        return http, False
    return httpx.Client(follow_redirects=False, headers={"user-agent": "safeguard-monitor/0.1"}), True


def now() -> float:
    return time.time()


class HttpConnector(Connector):
    """A connector over one platform's wire client (``client.api`` is its ``ApiClient``).

    ``from_config`` builds the client with ``open_api`` and passes ``owned_http`` when
    it made the HTTP client itself; ``close`` then closes it (a caller's shared client
    is left open).
    """

    def __init__(self, client: Any, *, account: AccountConfig, clock: Clock = now,
                 owned_http: httpx.Client | None = None) -> None:
        self.client = client
        self.account = account
        self.clock = clock
        self._owned_http = owned_http

    @staticmethod
    def open_api(
        account: AccountConfig,
        secrets: ConnectorSecrets,
        *,
        http: httpx.Client | None,
        clock: Clock,
        default_base_url: str,
        headers: Mapping[str, str],
        interpret: Interpreter | None,
        logger: logging.Logger,
        extra_secrets: Iterable[str] = (),
    ) -> tuple[ApiClient, httpx.Client | None]:
        """(the account's ``ApiClient``, the HTTP client to close or None if shared)."""
        client, owned = http_client(http)
        api = ApiClient(
            client,
            account=account.id,
            base_url=account.base_url or default_base_url,
            headers=headers,
            secrets=(*secrets.values(), *extra_secrets),
            interpret=interpret,
            timeout=timeout_of(account),
            clock=clock,
            logger=logger,
        )
        return api, client if owned else None

    def close(self) -> None:
        if self._owned_http is not None:
            self._owned_http.close()
