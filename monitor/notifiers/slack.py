"""Slack alerts through slack-sdk's WebClient: a Block Kit message with an Acknowledge button.

Idempotency. Each message carries the alert's idempotency key in Slack *message metadata*
(``event_type`` ``safeguard_alert``). When the outbox says a delivery may already have
happened (a retry, or a claim taken over from a sender that died after posting), the
notifier first looks for a message with that key in the conversation
(``conversations.history`` with ``include_all_metadata``) and returns it instead of
posting again. Keys posted by this process are also remembered in memory.

Errors are mapped to ``DeliveryFailed``: rate limiting (429, with ``retry_after`` from
Retry-After), 5xx, timeouts and connection refused are retryable; invalid_auth,
channel_not_found and the like are not — retrying cannot fix a revoked token.

Why ``retry_handlers=[]``? The outbox owns retries and back-off (durably, across
restarts); retries hidden inside the SDK would only block the sender thread.

The bot token is never logged and never part of an error message.
"""

from __future__ import annotations

import logging
import urllib.error
from collections import OrderedDict
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from monitor.config import Config, read_secret
from monitor.errors import DeliveryFailed
from monitor.notifiers.base import AlertMessage, DeliveryReceipt, Notifier
from monitor.notifiers.render import FOOTER, category_titles, facts, headline, subject

log = logging.getLogger(__name__)
#: slack-sdk logs every failed request at ERROR; the outbox already reports failures
#: once, with context, so the SDK's own logger is kept quiet
_sdk_log = logging.getLogger(__name__ + ".sdk")
_sdk_log.setLevel(logging.CRITICAL)
EVENT_TYPE = "safeguard_alert"
ACK_ACTION_ID = "acknowledge"
PERMANENT_ERRORS = frozenset({
    "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
    "no_permission", "missing_scope", "channel_not_found", "user_not_found", "not_in_channel",
    "is_archived", "cannot_dm_bot", "invalid_arguments", "invalid_blocks", "msg_too_long",
    "restricted_action", "ekm_access_denied", "team_access_not_granted",
    "message_not_found", "cant_update_message", "edit_window_closed",
})
HISTORY_PAGES = 3


class SlackDeliveryFailed(DeliveryFailed):
    """A Slack call failed; ``retry_after`` (seconds) when Slack asked us to wait."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None,
                 error: str | None = None) -> None:
        self.retry_after = retry_after
        self.error = error
        super().__init__(message, retryable=retryable)


def mrkdwn_escape(text: str) -> str:
    """Slack's three control characters; stops ``<!channel>`` or link injection from a comment."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def blocks_for(m: AlertMessage) -> list[dict[str, Any]]:
    """Block Kit for one alert: what, how serious, where, a masked excerpt, link, button."""
    head = {"type": "header", "text": {"type": "plain_text", "text": subject(m)[:150], "emoji": True}}
    if m.reason == "admin":
        return [head, {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn_escape(m.note)[:2900]}}]
    if m.reason == "digest":
        lines = [f"• <{e.case_url}|case #{e.case_id}>: {mrkdwn_escape(category_titles(e))} — "
                 f"{mrkdwn_escape(e.location)} ({mrkdwn_escape(e.platform)})" for e in m.entries]
        return [head, {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}}]
    blocks: list[dict[str, Any]] = [
        head,
        {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn_escape(headline(m))},
         "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{mrkdwn_escape(v)}"} for k, v in facts(m)]},
    ]
    if m.excerpt:
        blocks.append({"type": "section", "text": {
            "type": "mrkdwn", "text": f"*Excerpt* (identifying details masked)\n>{mrkdwn_escape(m.excerpt)}"}})
    blocks.append({"type": "actions", "block_id": f"case-{m.case_id}", "elements": [
        {"type": "button", "action_id": ACK_ACTION_ID, "style": "primary",
         "text": {"type": "plain_text", "text": "Acknowledge"},
         "value": f"case:{m.case_id}:alert:{m.alert_id}"},
        {"type": "button", "action_id": "open_case", "url": m.case_url,
         "text": {"type": "plain_text", "text": "Open case"}},
    ]})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn_escape(FOOTER)}]})
    return blocks


def acknowledged_blocks(m: AlertMessage, note: str) -> list[dict[str, Any]]:
    """The alert's blocks with the buttons replaced by who acknowledged it, and when."""
    kept = [b for b in blocks_for(m) if b.get("type") != "actions"]
    ack = {"type": "section", "text": {"type": "mrkdwn", "text": f":white_check_mark: {mrkdwn_escape(note)}"}}
    link = {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{m.case_url}|Open case #{m.case_id}>"}]}
    return [*kept[:-1], ack, link, kept[-1]] if kept else [ack, link]


class SlackNotifier(Notifier):
    channel = "slack"

    def __init__(self, token: str, *, base_url: str | None = None, timeout: float = 5.0,
                 default_channel: str | None = None, client: WebClient | None = None) -> None:
        kwargs: dict[str, Any] = {"token": token, "timeout": int(max(1, timeout)),
                                  "retry_handlers": [], "logger": _sdk_log}
        if base_url:
            kwargs["base_url"] = base_url if base_url.endswith("/") else base_url + "/"
        self.client = client or WebClient(**kwargs)
        self.default_channel = default_channel
        self._posted: OrderedDict[str, str] = OrderedDict()  # key → "channel/ts", recent only

    def __repr__(self) -> str:  # never the token
        return f"SlackNotifier(base_url={self.client.base_url!r})"

    @classmethod
    def from_config(cls, config: Config) -> SlackNotifier:
        sc = config.alerts.slack
        if sc is None:
            raise DeliveryFailed("alerts.slack is not configured", retryable=False)
        token = read_secret(env=sc.token_env)
        if not token:
            raise DeliveryFailed(f"no Slack bot token: set the environment variable {sc.token_env}",
                                 retryable=False)
        return cls(token, base_url=sc.base_url, timeout=sc.timeout, default_channel=sc.default_channel)

    # -- sending --------------------------------------------------------------------------
    def send(self, message: AlertMessage) -> DeliveryReceipt:
        target = message.recipient_slack or self.default_channel
        if not target:
            raise SlackDeliveryFailed(f"no Slack member id for {message.recipient_id} and no "
                                      "alerts.slack.default_channel", retryable=False)
        key = message.idempotency_key
        if key in self._posted:
            return DeliveryReceipt(self._posted[key])
        if message.redelivery:
            found = self._find_posted(target, key)
            if found:
                log.info("alert %s already in Slack (%s); not posting again", message.alert_id, found)
                self._remember(key, found)
                return DeliveryReceipt(found)
        resp = self._call("chat.postMessage", lambda: self.client.chat_postMessage(
            channel=target, text=subject(message), blocks=blocks_for(message),
            metadata={"event_type": EVENT_TYPE,
                      "event_payload": {"idempotency_key": key, "case_id": message.case_id or 0,
                                        "alert_id": message.alert_id}},
            unfurl_links=False, unfurl_media=False))
        ref = f"{resp.get('channel')}/{resp.get('ts')}"
        self._remember(key, ref)
        return DeliveryReceipt(ref)

    def mark_acknowledged(self, provider_ref: str, message: AlertMessage, note: str) -> None:
        """Edit a delivered message (``channel/ts``) so nobody acts on it twice."""
        channel, _, ts = provider_ref.partition("/")
        if not channel or not ts:
            raise SlackDeliveryFailed(f"not a Slack message reference: {provider_ref!r}",
                                      retryable=False)
        self._call("chat.update", lambda: self.client.chat_update(
            channel=channel, ts=ts, text=f"{subject(message)} — {note}",
            blocks=acknowledged_blocks(message, note)))

    def _remember(self, key: str, ref: str) -> None:
        self._posted[key] = ref
        while len(self._posted) > 10_000:
            self._posted.popitem(last=False)

    def _find_posted(self, target: str, key: str) -> str | None:
        """The message already posted with this key, looked up in Slack itself."""
        try:
            channel = target
            if target[:1] in ("U", "W"):  # a member id: its DM conversation
                opened = self._call("conversations.open",
                                    lambda: self.client.conversations_open(users=target))
                channel = opened["channel"]["id"]
            cursor = None
            for _ in range(HISTORY_PAGES):
                page = self._call("conversations.history", lambda c=cursor: self.client.conversations_history(
                    channel=channel, include_all_metadata=True, limit=200, cursor=c))
                for msg in page.get("messages") or []:
                    meta = msg.get("metadata") or {}
                    if (meta.get("event_type") == EVENT_TYPE
                            and (meta.get("event_payload") or {}).get("idempotency_key") == key):
                        return f"{channel}/{msg.get('ts')}"
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not page.get("has_more") or not cursor:
                    break
        except SlackDeliveryFailed as err:
            if err.retryable:
                raise  # Slack is struggling: try again later rather than risk a duplicate
            log.warning("cannot check Slack for an earlier delivery (%s); posting", err.error)
        return None

    def _call(self, method: str, fn: Any) -> Any:
        try:
            return fn()
        except SlackApiError as err:
            raise _api_failure(method, err) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise SlackDeliveryFailed(f"Slack {method}: unreachable ({type(reason).__name__}: "
                                      f"{_short(reason)})", retryable=True) from None
        except SlackClientError as err:
            raise SlackDeliveryFailed(f"Slack {method}: client error {type(err).__name__}",
                                      retryable=False) from None


def _short(reason: object) -> str:
    text = str(getattr(reason, "strerror", None) or reason)
    return text.replace("\n", " ")[:120]


def _api_failure(method: str, err: SlackApiError) -> SlackDeliveryFailed:
    resp = err.response
    status = int(getattr(resp, "status_code", 0) or 0)
    data = resp.data if isinstance(resp.data, dict) else {}
    code = str(data.get("error") or f"http_{status}")[:80]
    if status == 429 or code == "ratelimited":
        headers = {k.lower(): v for k, v in (resp.headers or {}).items()}
        raw = headers.get("retry-after")
        if isinstance(raw, list):
            raw = raw[0] if raw else None
        try:
            retry_after = float(raw) if raw is not None else 30.0
        except ValueError:
            retry_after = 30.0
        return SlackDeliveryFailed(f"Slack {method}: rate limited, retry after {retry_after:g} s",
                                   retryable=True, retry_after=retry_after, error="ratelimited")
    if status >= 500:
        return SlackDeliveryFailed(f"Slack {method}: server error HTTP {status}",
                                   retryable=True, error=code)
    if code in PERMANENT_ERRORS:
        hint = " (check the bot token)" if code in ("invalid_auth", "not_authed", "token_revoked",
                                                    "token_expired", "account_inactive") else ""
        return SlackDeliveryFailed(f"Slack {method}: {code}{hint}", retryable=False, error=code)
    return SlackDeliveryFailed(f"Slack {method}: {code} (HTTP {status})", retryable=True, error=code)
