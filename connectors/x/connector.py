"""X connector: the account's posts and the replies in their conversations.

Streams: ``posts`` and ``replies``, each the newest tweet id seen (X ids grow with time,
so ``since_id`` is exact and needs no same-second bookkeeping).

Per poll: the account's own posts from the last 7 days (1 call per 100), then
``search/recent`` for replies in those conversations since the ``replies`` cursor, with
as many ``conversation_id:`` terms per query as fit in 512 characters. Why 7 days?
That is all ``search/recent`` covers; older conversations need full-archive search
(Pro tier), switched on by ``options.search_path: 2/tweets/search/all``.

Take-downs: hide and unhide replies. X lets an account delete only its own posts, so
``delete`` is not offered.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from connectors._time import iso_z, parse_time
from connectors.base import Action, ActionResult, Batch, FetchedItem, MediaRef
from connectors.common import Clock, ConnectorSecrets, HttpConnector, now, require_token
from connectors.x.client import DEFAULT_BASE_URL, XClient, conversation_batches, x_interpreter
from monitor.config import AccountConfig
from monitor.errors import MalformedResponse
from monitor.types import ItemKind

log = logging.getLogger("connectors.x")
WINDOW = timedelta(days=7)


def _newer(a: str | None, b: str | None) -> str | None:
    if not a:
        return b
    if not b:
        return a
    return a if int(a) >= int(b) else b


def tweet_item(tweet: dict[str, Any], includes: dict[str, Any], account_id: str) -> FetchedItem | None:
    """A v2 tweet (with the page's ``includes``) as an item: post, comment or reply."""
    tid = tweet.get("id")
    if not tid:
        return None
    users = {u.get("id"): u for u in includes.get("users") or [] if isinstance(u, dict)}
    media = {m.get("media_key"): m for m in includes.get("media") or [] if isinstance(m, dict)}
    author_id = tweet.get("author_id")
    author = users.get(author_id, {})
    replied_to = next((r.get("id") for r in tweet.get("referenced_tweets") or []
                       if isinstance(r, dict) and r.get("type") == "replied_to"), None)
    conversation = tweet.get("conversation_id")
    if replied_to is None:
        kind, parent = ItemKind.POST, None
    elif replied_to == conversation:
        kind, parent = ItemKind.COMMENT, replied_to
    else:
        kind, parent = ItemKind.REPLY, replied_to
    refs = []
    for key in (tweet.get("attachments") or {}).get("media_keys") or []:
        m = media.get(key) or {}
        url = m.get("url") or m.get("preview_image_url")
        if url:
            refs.append(MediaRef(url=url, type="video" if m.get("type") in ("video", "animated_gif") else "image", id=key))
    handle = author.get("username")
    return FetchedItem(
        external_id=str(tid), kind=kind, text=str(tweet.get("text") or ""),
        created_at=parse_time(tweet.get("created_at")), parent_external_id=parent,
        author_id=author_id, author_name=author.get("name"), author_handle=handle,
        author_is_owner=author_id == account_id,
        permalink=f"https://x.com/{handle or 'i/web'}/status/{tid}", media=tuple(refs), raw=tweet,
    )


class XConnector(HttpConnector):
    platform: ClassVar[str] = "x"
    client: XClient
    actions: ClassVar[frozenset[Action]] = frozenset({Action.HIDE, Action.UNHIDE})

    def __init__(self, client: XClient, *, account: AccountConfig, clock: Clock = now,
                 owned_http: httpx.Client | None = None) -> None:
        super().__init__(client, account=account, clock=clock, owned_http=owned_http)
        self.user_id = account.external_id
        self._last: dict[str, Any] = {}

    @classmethod
    def from_config(cls, account: AccountConfig, secrets: ConnectorSecrets, *,
                    http: httpx.Client | None = None, clock: Clock = now) -> XConnector:
        token = require_token(account, secrets, what="OAuth 2.0 user access token")
        api, owned_http = cls.open_api(account, secrets, http=http, clock=clock, default_base_url=DEFAULT_BASE_URL,
                                       headers={"authorization": f"Bearer {token}"},
                                       interpret=x_interpreter, logger=log)
        search = str(account.options.get("search_path", "2/tweets/search/recent"))
        return cls(XClient(api, search_path=search), account=account, clock=clock, owned_http=owned_http)

    def poll(self, cursors: Mapping[str, str | None]) -> Iterator[Batch]:
        spent = self.client.api.call_counter()
        posts_since, replies_since = cursors.get("posts"), cursors.get("replies")
        posts_next, replies_next = posts_since, replies_since
        start = iso_z(datetime.fromtimestamp(self.clock(), tz=UTC) - WINDOW + timedelta(minutes=1))
        conversations: list[str] = []
        for page in self.client.user_tweets(self.user_id, start_time=start):
            items = []
            includes = page.get("includes") or {}
            for t in page.get("data") or []:
                item = tweet_item(t, includes, self.user_id)
                if item is None:
                    continue
                conversations.append(str(t.get("conversation_id") or item.external_id))
                if not posts_since or int(item.external_id) > int(posts_since):
                    items.append(item)
                    posts_next = _newer(posts_next, item.external_id)
            yield Batch(items, stream="posts", api_calls=spent())
        yield Batch([], stream="posts", cursor=posts_next, api_calls=spent())

        unique = list(dict.fromkeys(conversations))
        for batch_ids in conversation_batches(unique):
            for page in self.client.conversation_replies(batch_ids, since_id=replies_since):
                items = []
                includes = page.get("includes") or {}
                for t in page.get("data") or []:
                    item = tweet_item(t, includes, self.user_id)
                    if item is None or item.kind is ItemKind.POST:
                        continue
                    items.append(item)
                    replies_next = _newer(replies_next, item.external_id)
                yield Batch(items, stream="replies", api_calls=spent())
        self._last = {"conversations_watched": len(unique)}
        yield Batch([], stream="replies", cursor=replies_next, api_calls=spent())

    def act(self, external_id: str, action: Action) -> ActionResult:
        action = Action(action)
        if action not in self.actions:
            return super().act(external_id, action)
        try:
            body = self.client.set_hidden(external_id, action is Action.HIDE)
        except MalformedResponse as exc:
            return ActionResult(False, action, external_id, str(exc))
        hidden = ((body or {}).get("data") or {}).get("hidden") if isinstance(body, dict) else None
        ok = hidden is (action is Action.HIDE)
        return ActionResult(ok, action, external_id, "" if ok else "X did not confirm")

    def diagnostics(self) -> dict[str, Any]:
        return {"platform": self.platform, "account": self.account.id, "user_id": self.user_id,
                "api_calls": self.client.api.calls, **self._last}
