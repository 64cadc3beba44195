"""Instagram connector: the account's media, their comments and replies.

Streams: ``media`` and ``comments`` (``TimeCursor``), ``comment_counts`` (JSON: media id
-> ``comments_count``). Instagram's comments edge has no ``since``; but a media's
``comments_count`` includes replies, so one media listing tells which posts changed and
only those are read again. ``options.max_media`` (default 50) newest media are watched.

Webhooks: ``comments`` (a comment on our media, with ``from``, ``media`` and
``parent_id``) and ``mentions`` (our account @-mentioned in someone's comment: the
comment is fetched through ``mentioned_comment``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import httpx

from connectors import meta_webhooks
from connectors._time import epoch, parse_time
from connectors.base import (
    Action,
    ActionResult,
    Batch,
    Connector,
    FetchedItem,
    MediaRef,
    WebhookRequest,
    WebhookResponse,
)
from connectors.common import Clock, ConnectorSecrets, http_client, now, require_token, timeout_of
from connectors.facebook.client import GraphRequestRejected, graph_interpreter
from connectors.http import ApiClient
from connectors.instagram.client import (
    DEFAULT_BASE_URL,
    DEFAULT_VERSION,
    PERMISSIONS,
    InstagramClient,
)
from connectors.paging import JsonCursor, TimeCursor
from monitor.config import AccountConfig
from monitor.errors import ConnectorError
from monitor.types import ItemKind

log = logging.getLogger("connectors.instagram")


def media_item(media: dict[str, Any], user_id: str, handle: str | None) -> FetchedItem | None:
    mid = media.get("id")
    if not mid:
        return None
    url = media.get("media_url") or media.get("thumbnail_url")
    kind = "video" if media.get("media_type") in ("VIDEO", "REELS") else "image"
    refs = [MediaRef(url=url, type=kind, id=str(mid))] if url else []
    for child in (media.get("children") or {}).get("data") or []:
        if isinstance(child, dict) and child.get("media_url"):
            refs.append(MediaRef(url=child["media_url"], id=child.get("id"),
                                 type="video" if child.get("media_type") == "VIDEO" else "image"))
    return FetchedItem(
        external_id=str(mid), kind=ItemKind.POST, text=str(media.get("caption") or ""),
        created_at=parse_time(media.get("timestamp")), author_id=user_id,
        author_handle=media.get("username") or handle, author_is_owner=True,
        permalink=media.get("permalink"), media=tuple(refs), raw=media,
    )


def comment_item(c: dict[str, Any], *, media_id: str | None, user_id: str, handle: str | None,
                 parent_id: str | None = None) -> FetchedItem | None:
    cid = c.get("id")
    if not cid:
        return None
    author = c.get("from") or c.get("user") or {}
    author_id = str(author["id"]) if author.get("id") is not None else None
    username = author.get("username") or c.get("username")
    parent = c.get("parent_id") or parent_id
    media = (c.get("media") or {}).get("id") or media_id
    owner = author_id == user_id or (bool(handle) and username == handle)
    return FetchedItem(
        external_id=str(cid), kind=ItemKind.REPLY if parent else ItemKind.COMMENT,
        text=str(c.get("text") or ""), created_at=parse_time(c.get("timestamp")),
        parent_external_id=str(parent or media) if (parent or media) else None,
        author_id=author_id, author_handle=username, author_name=username,
        author_is_owner=owner, hidden=bool(c.get("hidden", False)), raw=c,
    )


def flatten(c: dict[str, Any], **kw: Any) -> list[FetchedItem]:
    """A comment and the replies nested in it."""
    out = []
    top = comment_item(c, **kw)
    if top is not None:
        out.append(top)
        for r in (c.get("replies") or {}).get("data") or []:
            item = comment_item(r, **{**kw, "parent_id": top.external_id})
            if item is not None:
                out.append(item)
    return out


class InstagramConnector(Connector):
    platform: ClassVar[str] = "instagram"
    actions: ClassVar[frozenset[Action]] = frozenset({Action.HIDE, Action.UNHIDE, Action.DELETE})
    supports_webhooks: ClassVar[bool] = True

    def __init__(self, client: InstagramClient, *, account: AccountConfig, app_secret: str | None = None,
                 verify_token: str | None = None, clock: Clock = now,
                 owned_http: httpx.Client | None = None) -> None:
        self.client = client
        self.account = account
        self.user_id = account.external_id
        self.handle = account.handle
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.clock = clock
        self.max_media = int(account.options.get("max_media", 50))
        self._owned_http = owned_http

    @classmethod
    def from_config(cls, account: AccountConfig, secrets: ConnectorSecrets, *,
                    http: httpx.Client | None = None, clock: Clock = now) -> InstagramConnector:
        token = require_token(account, secrets, what="access token")
        client, owned = http_client(http)
        hint = f" and set {account.token_env}" if account.token_env else ""
        api = ApiClient(client, account=account.id, base_url=account.base_url or DEFAULT_BASE_URL,
                        headers={"authorization": f"Bearer {token}"}, secrets=secrets.values(),
                        interpret=graph_interpreter(hint=hint, permissions=PERMISSIONS,
                                                    token_name="access token for the Instagram account"),
                        timeout=timeout_of(account), clock=clock, logger=log)
        version = str(account.options.get("api_version", DEFAULT_VERSION))
        return cls(InstagramClient(api, version=version), account=account, app_secret=secrets.app_secret,
                   verify_token=secrets.verify_token, clock=clock, owned_http=client if owned else None)

    def _kw(self, media_id: str | None) -> dict[str, Any]:
        return {"media_id": media_id, "user_id": self.user_id, "handle": self.handle}

    def poll(self, cursors: Mapping[str, str | None]) -> Iterator[Batch]:
        api = self.client.api
        started = int(self.clock())
        calls = api.calls

        def spent() -> int:
            nonlocal calls
            used, calls = api.calls - calls, api.calls
            return used

        media_seen = TimeCursor.decode(cursors.get("media"))
        comments_seen = TimeCursor.decode(cursors.get("comments"))
        counts = JsonCursor.decode(cursors.get("comment_counts"))
        media_next, comments_next = media_seen.copy(), comments_seen.copy()
        changed: list[tuple[str, int]] = []
        watched = 0
        for page in self.client.media(self.user_id, limit=min(50, self.max_media)):
            items = []
            for m in page:
                item = media_item(m, self.user_id, self.handle)
                if item is None or watched >= self.max_media:
                    continue
                watched += 1
                ts = epoch(item.created_at)
                if media_seen.is_new(ts, item.external_id):
                    items.append(item)
                    media_next.see(ts, item.external_id)
                count = int(m.get("comments_count") or 0)
                if count and counts.get(item.external_id) != count:
                    changed.append((item.external_id, count))
            yield Batch(items, stream="media", api_calls=spent())
            if watched >= self.max_media:
                break
        yield Batch([], stream="media", cursor=media_next.capped(started).encode(), api_calls=spent())
        for media_id, count in changed:
            try:
                for page in self.client.comments(media_id):
                    items = []
                    for c in page:
                        found = flatten(c, **self._kw(media_id))
                        if found and ((c.get("replies") or {}).get("paging") or {}).get("next"):
                            found = found[:1] + self._replies(found[0].external_id, media_id)
                        for item in found:
                            ts = epoch(item.created_at)
                            if comments_seen.is_new(ts, item.external_id):
                                items.append(item)
                                comments_next.see(ts, item.external_id)
                    yield Batch(items, stream="comments", api_calls=spent())
            except GraphRequestRejected as exc:
                if exc.code != 100:
                    raise
                log.info("[%s] media %s no longer readable; skipped", self.account.id, media_id)
                continue
            counts[media_id] = count
        yield Batch([], stream="comment_counts", cursor=JsonCursor.encode(counts), api_calls=spent())
        yield Batch([], stream="comments", cursor=comments_next.capped(started).encode(), api_calls=spent())

    def _replies(self, comment_id: str, media_id: str) -> list[FetchedItem]:
        out = []
        for page in self.client.replies(comment_id):
            for r in page:
                item = comment_item(r, **{**self._kw(media_id), "parent_id": comment_id})
                if item is not None:
                    out.append(item)
        return out

    # -- webhooks -----------------------------------------------------------------------
    def handle_webhook(self, request: WebhookRequest) -> WebhookResponse:
        if request.method.upper() == "GET":
            return meta_webhooks.handshake(request, self.verify_token, account=self.account.id)
        refusal, payload = meta_webhooks.verified_json(request, self.app_secret, account=self.account.id)
        if refusal is not None:
            return refusal
        if payload.get("object") != "instagram":
            return WebhookResponse(status=200, body="ignored: not an instagram event")
        items: list[FetchedItem] = []
        for entry in payload.get("entry") or []:
            for change in (entry.get("changes") or []) if isinstance(entry, dict) else []:
                if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                    continue
                value = change["value"]
                if change.get("field") == "comments":
                    item = comment_item(value, **self._kw(None))
                elif change.get("field") == "mentions" and value.get("comment_id"):
                    try:
                        found = self.client.mentioned_comment(self.user_id, str(value["comment_id"]))
                    except ConnectorError as exc:
                        log.warning("[%s] could not fetch the mentioned comment: %s", self.account.id, exc)
                        continue
                    item = comment_item(found, **self._kw(value.get("media_id"))) if found else None
                else:
                    item = None
                if item is not None:
                    items.append(item)
        return WebhookResponse(status=200, body="EVENT_RECEIVED", items=tuple(items))

    def act(self, external_id: str, action: Action) -> ActionResult:
        action = Action(action)
        try:
            if action is Action.DELETE:
                body = self.client.delete(external_id)
            elif action in (Action.HIDE, Action.UNHIDE):
                body = self.client.set_hidden(external_id, action is Action.HIDE)
            else:
                return super().act(external_id, action)
        except GraphRequestRejected as exc:
            return ActionResult(False, action, external_id, str(exc))
        ok = bool(isinstance(body, dict) and body.get("success"))
        return ActionResult(ok, action, external_id, "" if ok else "Instagram did not confirm")

    def diagnostics(self) -> dict[str, Any]:
        return {"platform": self.platform, "account": self.account.id, "ig_user_id": self.user_id,
                "api_calls": self.client.api.calls, "webhooks": bool(self.app_secret)}

    def close(self) -> None:
        if self._owned_http is not None:
            self._owned_http.close()
