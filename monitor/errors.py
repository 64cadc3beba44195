"""The monitor's exception tree, grouped by what the caller should do.

    MonitorError
    ├── ConfigError              fix the configuration; never retried
    ├── StorageError             the database is unreachable or refused the write
    ├── ConnectorError           something went wrong talking to a platform
    │   ├── RateLimited          wait ``retry_after`` seconds, then retry (this account only)
    │   ├── SourceUnavailable    5xx, timeout, connection refused: retry with back-off
    │   ├── CredentialsRejected  expired or revoked token: stop polling, tell the admin once
    │   ├── MalformedResponse    the platform answered nonsense: cursor not advanced
    │   └── QuotaExhausted       a daily quota is spent (YouTube): wait until it resets
    ├── ClassifierError          a classifier failed on a batch: the items stay pending
    └── DeliveryFailed           an alert could not be delivered (``retryable`` says if worth retrying)

Every error carries the account, item or key involved in its message, and never a secret.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Root of every error the monitor raises on purpose."""


class ConfigError(MonitorError):
    """The configuration is invalid; the message names the key and the problem."""


class StorageError(MonitorError):
    """The database could not be reached or refused a write."""


class ConnectorError(MonitorError):
    """A platform call failed. ``account`` names the account, never its token."""

    def __init__(self, message: str, *, account: str | None = None) -> None:
        self.account = account
        super().__init__(f"[{account}] {message}" if account else message)


class RateLimited(ConnectorError):
    def __init__(self, message: str, *, retry_after: float, account: str | None = None) -> None:
        self.retry_after = max(0.0, float(retry_after))
        super().__init__(message, account=account)


class SourceUnavailable(ConnectorError):
    pass


class CredentialsRejected(ConnectorError):
    pass


class MalformedResponse(ConnectorError):
    pass


class QuotaExhausted(RateLimited):
    pass


class ClassifierError(MonitorError):
    pass


class DeliveryFailed(MonitorError):
    def __init__(self, message: str, *, retryable: bool = True) -> None:
        self.retryable = retryable
        super().__init__(message)
