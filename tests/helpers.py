"""Builders shared by the tests: a small organisation, items, and a pipeline run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from classifiers.keyword import KeywordClassifier
from connectors.base import Batch, FetchedItem
from monitor.accounts import sync_from_config
from monitor.config import Config, parse_config
from monitor.db import session_scope
from monitor.pipeline import Pipeline, ProcessResult
from monitor.store import IngestResult, ingest_batch
from monitor.types import ItemKind


def org_config(tmp_path: Any = None, **overrides: Any) -> Config:
    data: dict[str, Any] = {
        "organisation": "Kidspace Wrap Around Care",
        "people": [
            {"id": "dsl", "name": "Dana DSL", "email": "dsl@example.org"},
            {"id": "deputy", "name": "Dev Deputy", "email": "deputy@example.org"},
            {"id": "sm-oak", "name": "Sam Oakfield", "email": "sam@example.org"},
            {"id": "admin", "name": "Ada Admin", "email": "admin@example.org"},
        ],
        "dsl": "dsl", "deputy_dsl": "deputy", "admins": ["admin"],
        "locations": [{"id": "oakfield", "name": "Oakfield Club", "setting_managers": ["sm-oak"],
                       "schools": ["Oakfield Primary"]}],
        "accounts": [{"id": "fb-oak", "platform": "static", "external_id": "page-1",
                      "location": "oakfield", "options": {"path": "unused.jsonl"}}],
        "classifiers": ["keyword"],
        "alerts": {"mailbox_file": str(tmp_path / "alerts.mbox") if tmp_path else "alerts.mbox"},
    }
    data.update(overrides)
    return parse_config(data)


def setup_org(engine: Engine, config: Config) -> None:
    with session_scope(engine) as s:
        sync_from_config(s, config)


def item(ext: str, text: str, *, kind: ItemKind = ItemKind.COMMENT, parent: str | None = None,
         owner: bool = False) -> FetchedItem:
    return FetchedItem(external_id=ext, kind=kind, text=text, parent_external_id=parent,
                       author_is_owner=owner, author_name="A Parent", author_handle="a.parent",
                       created_at=datetime(2026, 11, 1, 12, 0, tzinfo=UTC))


def ingest(engine: Engine, items: Sequence[FetchedItem], *, account: str = "fb-oak",
           cursor: str | None = None, stream: str = "default") -> IngestResult:
    with session_scope(engine) as s:
        return ingest_batch(s, account_id=account, platform="facebook",
                            batch=Batch(items=list(items), cursor=cursor, stream=stream))


def process(engine: Engine, config: Config) -> ProcessResult:
    total = ProcessResult()
    pipe = Pipeline(engine, config, [KeywordClassifier()])
    while True:
        r = pipe.process_pending()
        if r.items == 0:
            return total
        for k in ("items", "findings", "cases_opened", "cases_updated", "alerts", "failed"):
            setattr(total, k, getattr(total, k) + getattr(r, k))
