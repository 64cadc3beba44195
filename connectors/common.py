"""What every platform adapter shares: its secrets, its HTTP client, its clock.

``ConnectorSecrets`` holds decrypted credentials in memory only; it is built by the
caller (from ``read_secret`` or the encrypted store) and never logged: its ``repr``
hides the values.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from connectors.http import DEFAULT_TIMEOUT
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
