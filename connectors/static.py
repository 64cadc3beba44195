"""A connector over a JSON Lines file: for tests, benchmarks and offline replays.

Each line is a categories.md-shaped item (``id``, ``kind``, ``text``, ``context``,
``author_role``...) or a FetchedItem-shaped dict (``external_id``...). The cursor is the
number of lines already delivered, so a second poll returns nothing new.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from connectors.base import Batch, Connector, FetchedItem
from monitor.errors import MalformedResponse
from monitor.types import ItemKind


def item_from_dict(d: Mapping[str, Any]) -> FetchedItem:
    created = d.get("created_at")
    return FetchedItem(
        external_id=str(d.get("external_id") or d["id"]),
        kind=ItemKind(d.get("kind", "comment")),
        text=d.get("text", ""),
        created_at=datetime.fromisoformat(created) if isinstance(created, str) else None,
        parent_external_id=d.get("parent_external_id") or d.get("parent"),
        author_name=d.get("author_name"),
        author_handle=d.get("author_handle"),
        author_is_owner=bool(d.get("author_is_owner") or d.get("author_role") == "organisation"),
        permalink=d.get("permalink"),
    )


class StaticConnector(Connector):
    platform: ClassVar[str] = "static"

    def __init__(self, path: str | Path, *, page_size: int = 500, account: str = "static") -> None:
        self.path = Path(path)
        self.page_size = page_size
        self.account = account

    def poll(self, cursors: Mapping[str, str | None]) -> Iterator[Batch]:
        start = int(cursors.get("default") or 0)
        page: list[FetchedItem] = []
        lineno = 0
        with self.path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if lineno <= start or not line.strip():
                    continue
                try:
                    page.append(item_from_dict(json.loads(line)))
                except (ValueError, KeyError) as err:
                    raise MalformedResponse(f"{self.path.name} line {lineno}: {err}",
                                            account=self.account) from None
                if len(page) >= self.page_size:
                    yield Batch(items=page, cursor=str(lineno))
                    page = []
        if page or lineno > start:
            yield Batch(items=page, cursor=str(max(lineno, start)))
