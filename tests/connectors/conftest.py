"""Shared helpers for connector tests: recorded payloads, the fake server, draining polls."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.base import Batch, Connector, FetchedItem
from connectors.common import ConnectorSecrets
from connectors.fakes.server import FakePlatformServer
from connectors.registry import build_connector
from monitor.config import AccountConfig

#: shared/ sits beside the repository root (CI clones the repo with shared/ next to it).
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
PLATFORM_FIXTURES = SHARED / "fixtures" / "platforms"

TOKEN = "EAAGtestTOKEN-do-not-log-0123456789"
APP_SECRET = "app-secret-for-tests-9876"
VERIFY_TOKEN = "verify-me-please"


def recorded(relpath: str) -> Any:
    """A recorded payload; cassette wrappers ({request, status, headers, body}) unwrapped."""
    data = json.loads((PLATFORM_FIXTURES / relpath).read_text(encoding="utf-8"))
    return data


def body_of(relpath: str) -> Any:
    data = recorded(relpath)
    if isinstance(data, dict) and {"status", "body"} <= data.keys():
        return data["body"]
    return data


def mock_client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def drain(connector: Connector, cursors: Mapping[str, str | None] | None = None
          ) -> tuple[list[FetchedItem], dict[str, str | None], list[Batch]]:
    """Run one poll to the end as the pipeline would: items, the cursors to store, the batches."""
    stored: dict[str, str | None] = dict(cursors or {})
    items: list[FetchedItem] = []
    batches = list(connector.poll(dict(stored)))
    for b in batches:
        items.extend(b.items)
        if b.cursor is not None:
            stored[b.stream] = b.cursor
    return items, stored, batches


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def account_for(server: FakePlatformServer, platform: str, external_id: str, **kw: Any) -> AccountConfig:
    options = kw.pop("options", {})
    options.setdefault("timeout", 1.0)
    return AccountConfig(
        id=kw.pop("id", f"test-{platform}"), platform=platform, external_id=external_id,
        base_url=server.base_url(platform), token_env="TEST_TOKEN_ENV", options=options, **kw,
    )


def connect(server: FakePlatformServer, platform: str, external_id: str, http: httpx.Client,
            **kw: Any) -> Connector:
    secrets = ConnectorSecrets(token=TOKEN, app_secret=APP_SECRET, verify_token=VERIFY_TOKEN)
    return build_connector(account_for(server, platform, external_id, **kw), secrets, http=http)
