"""WordPress connector: the organisation's own site, its posts and comments.

External ids are ``post:<id>`` and ``comment:<id>``: WordPress numbers posts and
comments separately, so a bare number would be ambiguous.

Streams (newest id seen, since WordPress ids only grow): ``posts``, ``comments``
(approved) and ``held`` (held for moderation; needs an Application Password of a user
who can moderate). A held comment is exactly what a safeguarding lead wants to see
before it is ever published.

Take-downs: hide = back to ``hold`` (unpublished), unhide = ``approved``, delete =
move to the bin (``options.force_delete: true`` deletes permanently).
Comments by a registered site user (``author`` ≠ 0: staff) are marked as the
organisation's own.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import httpx

from connectors._time import parse_time
from connectors.base import Action, ActionResult, Batch, FetchedItem
from connectors.common import Clock, ConnectorSecrets, HttpConnector, now, require_token
from connectors.wordpress.client import (
    WordPressClient,
    WordPressRequestRejected,
    basic_auth,
    wp_interpreter,
)
from monitor.config import AccountConfig
from monitor.types import ItemKind

log = logging.getLogger("connectors.wordpress")
_TAGS = re.compile(r"<[^>]+>")


def html_text(value: Any) -> str:
    rendered = value.get("rendered", "") if isinstance(value, dict) else str(value or "")
    text = _TAGS.sub(" ", rendered.replace("<br />", "\n").replace("</p>", "\n"))
    return re.sub(r"[ \t]+", " ", html.unescape(text)).strip()


def post_item(p: dict[str, Any]) -> FetchedItem | None:
    if p.get("id") is None:
        return None
    title, body = html_text(p.get("title")), html_text(p.get("content"))
    return FetchedItem(
        external_id=f"post:{p['id']}", kind=ItemKind.POST, text=f"{title}\n\n{body}".strip(),
        created_at=parse_time(p.get("date_gmt") or p.get("date")), author_id=str(p.get("author", "")),
        author_is_owner=True, permalink=p.get("link"), raw=p,
    )


def comment_item(c: dict[str, Any]) -> FetchedItem | None:
    if c.get("id") is None:
        return None
    parent = int(c.get("parent") or 0)
    author = int(c.get("author") or 0)
    return FetchedItem(
        external_id=f"comment:{c['id']}", kind=ItemKind.REPLY if parent else ItemKind.COMMENT,
        text=html_text(c.get("content")), created_at=parse_time(c.get("date_gmt") or c.get("date")),
        parent_external_id=f"comment:{parent}" if parent else f"post:{c.get('post')}",
        author_id=str(author) if author else None, author_name=c.get("author_name"),
        author_is_owner=author != 0, permalink=c.get("link"),
        hidden=c.get("status", "approved") != "approved", raw=c,
    )


def _number(external_id: str) -> str:
    return external_id.split(":", 1)[-1]


class WordPressConnector(HttpConnector):
    platform: ClassVar[str] = "wordpress"
    client: WordPressClient
    actions: ClassVar[frozenset[Action]] = frozenset({Action.HIDE, Action.UNHIDE, Action.DELETE})

    def __init__(self, client: WordPressClient, *, account: AccountConfig, clock: Clock = now,
                 owned_http: httpx.Client | None = None) -> None:
        super().__init__(client, account=account, clock=clock, owned_http=owned_http)
        self.force_delete = bool(account.options.get("force_delete", False))
        self.read_held = bool(account.options.get("read_held", True))

    @classmethod
    def from_config(cls, account: AccountConfig, secrets: ConnectorSecrets, *,
                    http: httpx.Client | None = None, clock: Clock = now) -> WordPressConnector:
        token = require_token(account, secrets, what="Application Password (username:password)")
        api, owned_http = cls.open_api(account, secrets, http=http, clock=clock, default_base_url=account.external_id,
                                       headers={"authorization": basic_auth(token)},
                                       extra_secrets=(basic_auth(token)[6:],), interpret=wp_interpreter, logger=log)
        return cls(WordPressClient(api), account=account, clock=clock, owned_http=owned_http)

    def _stream(self, stream: str, pages: Iterator[list[dict[str, Any]]], since: str | None,
                mapper: Any, spent: Any) -> Iterator[Batch]:
        newest = int(since) if since and since.isdigit() else 0
        top = newest
        for page in pages:
            items = []
            done = False
            for raw in page:
                rid = int(raw.get("id") or 0)
                if rid <= newest:
                    done = True
                    continue
                item = mapper(raw)
                if item is not None:
                    items.append(item)
                    top = max(top, rid)
            yield Batch(items, stream=stream, api_calls=spent())
            if done and stream != "posts":
                break  # ids descend: the rest are already stored
        yield Batch([], stream=stream, cursor=str(top) if top else since, api_calls=spent())

    def poll(self, cursors: Mapping[str, str | None]) -> Iterator[Batch]:
        spent = self.client.api.call_counter()
        yield from self._stream("posts", self.client.posts(), cursors.get("posts"), post_item, spent)
        yield from self._stream("comments", self.client.comments("approve"), cursors.get("comments"),
                                comment_item, spent)
        if self.read_held:
            yield from self._stream("held", self.client.comments("hold"), cursors.get("held"),
                                    comment_item, spent)

    def act(self, external_id: str, action: Action) -> ActionResult:
        action = Action(action)
        if not external_id.startswith("comment:"):
            return ActionResult(False, action, external_id, "only comments can be moderated")
        cid = _number(external_id)
        try:
            if action is Action.DELETE:
                body = self.client.trash(cid, force=self.force_delete)
                ok = isinstance(body, dict) and (body.get("status") == "trash" or body.get("deleted") is True)
            else:
                body = self.client.set_status(cid, "hold" if action is Action.HIDE else "approved")
                ok = isinstance(body, dict) and body.get("status") == ("hold" if action is Action.HIDE else "approved")
        except WordPressRequestRejected as exc:
            return ActionResult(False, action, external_id, str(exc))
        return ActionResult(bool(ok), action, external_id, "" if ok else "WordPress did not confirm")

    def diagnostics(self) -> dict[str, Any]:
        return {"platform": self.platform, "account": self.account.id, "site": self.account.external_id,
                "api_calls": self.client.api.calls, "reads_held_comments": self.read_held}
