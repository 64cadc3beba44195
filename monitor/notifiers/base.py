"""The Notifier interface and the message every channel renders.

A notifier must be idempotent on ``AlertMessage.idempotency_key``: the outbox may hand
the same alert over twice after a crash between delivery and the SENT mark.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class AlertMessage:
    """What one alert says, already decided and masked: notifiers only render and send."""

    alert_id: int
    case_id: int | None  # None for an admin notice about no case
    idempotency_key: str
    recipient_id: str
    recipient_name: str
    recipient_email: str | None
    recipient_slack: str | None
    severity: str
    categories: tuple[str, ...]
    location: str
    platform: str
    reason: str
    excerpt: str  # already masked; may be empty when the policy forbids text
    case_url: str
    ack_url: str
    note: str = ""  # admin notices: what went wrong (no case content)
    #: True when this alert may already have been delivered (a retry, or a claim taken
    #: over from a sender that died): the notifier checks before sending again
    redelivery: bool = False
    #: a daily digest: the low-severity alerts it gathers, oldest first
    entries: tuple[AlertMessage, ...] = ()


@dataclass(frozen=True)
class DeliveryReceipt:
    provider_ref: str | None = None


class Notifier(ABC):
    channel: ClassVar[str]

    @abstractmethod
    def send(self, message: AlertMessage) -> DeliveryReceipt:
        """Deliver or raise ``DeliveryFailed(retryable=...)``."""

    def close(self) -> None:
        """Release connections."""
