"""The one small interface every platform connector implements.

A connector turns a platform's API into ``FetchedItem`` batches. It never touches the
database: the pipeline stores each batch and its cursor in one transaction, so a cursor
only moves forward once the items it covers are durably stored (and an abandoned
iterator loses nothing).

Three capabilities, the last two optional:

- ``poll(cursors)``: what is new since the stored cursors, paginated, as an iterator of
  ``Batch``; the caller may stop iterating at any point.
- ``verify_webhook`` / ``parse_webhook``: real-time events where the platform pushes them.
- ``act(external_id, action)``: hide, unhide or delete an item after a reviewer decided so.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from monitor.types import ItemKind


@dataclass(frozen=True, slots=True)
class MediaRef:
    url: str
    type: str = "image"  # image | video
    id: str | None = None


@dataclass(frozen=True, slots=True)
class FetchedItem:
    """A post, comment, reply or message as the platform gave it, in common form."""

    external_id: str
    kind: ItemKind
    text: str
    created_at: datetime | None = None
    parent_external_id: str | None = None
    author_name: str | None = None
    author_handle: str | None = None
    author_id: str | None = None
    author_is_owner: bool = False  # written by the organisation's own account
    permalink: str | None = None
    media: tuple[MediaRef, ...] = ()
    hidden: bool = False
    raw: dict[str, Any] | None = None  # kept only as long as retention allows


@dataclass(slots=True)
class Batch:
    """Items from one page of one stream, and the cursor to store once they are saved."""

    items: list[FetchedItem]
    stream: str = "default"
    cursor: str | None = None  # None: leave the stored cursor as it is
    api_calls: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class Action(StrEnum):
    HIDE = "hide"
    UNHIDE = "unhide"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class ActionResult:
    ok: bool
    action: Action
    external_id: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """What a webhook endpoint received, before any parsing."""

    method: str
    headers: Mapping[str, str]  # lower-cased names
    query: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class WebhookResponse:
    status: int
    body: str = ""
    items: tuple[FetchedItem, ...] = ()


class Connector(ABC):
    """Base class for platform connectors.

    ``platform`` is a storage key (written on every Item) and never changes.
    ``actions`` lists what ``act`` supports; an empty set means read-only.
    """

    platform: ClassVar[str]
    actions: ClassVar[frozenset[Action]] = frozenset()
    supports_webhooks: ClassVar[bool] = False

    @abstractmethod
    def poll(self, cursors: Mapping[str, str | None]) -> Iterator[Batch]:
        """Yield batches of items newer than ``cursors`` (stream name → stored cursor)."""

    def handle_webhook(self, request: WebhookRequest) -> WebhookResponse:
        """Verify and parse a pushed event. Bad or missing signatures give 403."""
        return WebhookResponse(status=404, body="webhooks not supported")

    def act(self, external_id: str, action: Action) -> ActionResult:
        return ActionResult(False, action, external_id, f"{self.platform} cannot {action}")

    def diagnostics(self) -> dict[str, Any]:
        return {"platform": self.platform}

    def close(self) -> None:  # noqa: B027 - optional hook
        """Close HTTP clients; the default has nothing to close."""
