"""A fake Slack Web API over real HTTP on 127.0.0.1, for tests and ``bench alerts``.

    slack = FakeSlack(token="xoxb-test").start()
    notifier = SlackNotifier("xoxb-test", base_url=slack.base_url)
    slack.fail("ratelimited", times=2, retry_after=1)   # 429 + Retry-After, twice
    slack.fail("server_error")                           # HTTP 500 until clear_failures()
    slack.fail("invalid_auth", times=1)                  # 200 {"ok": false, ...}
    slack.down(); slack.up()                             # connection refused, then back
    slack.posts                                          # chat.postMessage bodies, in order
    slack.stop()

Answers follow the recorded shapes in shared/fixtures/platforms/slack: chat.postMessage
``{"ok": true, "channel", "ts", "message": {...}}``; errors as HTTP 200 with
``{"ok": false, "error"}``; rate limiting as HTTP 429 with ``retry-after`` and
``{"ok": false, "error": "ratelimited"}``. A bearer token other than the configured one
gets ``invalid_auth``. Messages keep their metadata, and ``conversations.history`` returns
it with ``include_all_metadata`` — what the notifier's duplicate check relies on.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

TEAM, BOT_ID, BOT_USER, APP_ID = "T05UB5W8H63", "B063CLKD7CL", "U0633HVJ0JJ", "A063CLGFG04"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    authorization: str | None
    at: float  # time.monotonic() when the request arrived (comparable across processes)
    status: int = 200


@dataclass
class _Failure:
    kind: str
    remaining: int | None
    retry_after: int
    method: str | None


@dataclass
class FakeSlackState:
    token: str
    calls: list[Call] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    failures: list[_Failure] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ts_counter: itertools.count = field(default_factory=lambda: itertools.count(1))


def dm_channel(user: str) -> str:
    return "D" + hashlib.sha1(user.encode()).hexdigest()[:10].upper()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _params(self) -> dict[str, Any]:
        url = urlsplit(self.path)
        params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        ctype = (self.headers.get("content-type") or "").lower()
        if raw and "json" in ctype:
            params.update(json.loads(raw))
        elif raw:
            params.update({k: v[-1] for k, v in parse_qs(raw.decode()).items()})
        return params

    def _handle(self) -> None:
        arrived = time.monotonic()
        st = self.server.state
        if self.path.startswith("/_fake/"):
            self._inspect()
            return
        method = urlsplit(self.path).path.rstrip("/").split("/")[-1]
        params = self._params()
        auth = self.headers.get("authorization")
        call = Call(method, params, auth, arrived)
        with st.lock:
            st.calls.append(call)
            failure = self._take_failure(method)
        if failure is not None:
            call.status = self._fail(failure)
            return
        if auth != f"Bearer {st.token}" and method != "api.test":
            self._json(200, {"ok": False, "error": "invalid_auth"})
            return
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            self._json(200, {"ok": False, "error": "unknown_method"})
            return
        self._json(200, handler(params))

    def _inspect(self) -> None:
        """``GET /_fake/calls``: what was called and when, for a fake in another process."""
        self._params()
        with self.server.state.lock:
            calls = [{"method": c.method, "at": c.at, "status": c.status,
                      "metadata": c.params.get("metadata")} for c in self.server.state.calls]
        self._json(200, {"ok": True, "calls": calls})

    def _take_failure(self, method: str) -> _Failure | None:
        for f in self.server.state.failures:
            if f.method and f.method != method:
                continue
            if f.remaining is not None:
                f.remaining -= 1
                if f.remaining <= 0:
                    self.server.state.failures.remove(f)
            return f
        return None

    def _fail(self, f: _Failure) -> int:
        if f.kind == "ratelimited":
            self._json(429, {"ok": False, "error": "ratelimited"},
                       {"retry-after": str(f.retry_after), "connection": "close"})
            return 429
        if f.kind == "server_error":
            body = b"<html><body>Internal Server Error</body></html>"
            self.send_response(500)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return 500
        if f.kind == "timeout":
            time.sleep(f.retry_after)
            self._json(200, {"ok": False, "error": "request_timeout"})
            return 200
        self._json(200, {"ok": False, "error": f.kind})  # invalid_auth, channel_not_found ...
        return 200

    def _json(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(data)))
        self.send_header("x-slack-req-id", hashlib.sha1(data).hexdigest()[:16])
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    # -- methods ---------------------------------------------------------------------------
    def m_auth_test(self, _p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://fake-workspace.slack.com/", "team": "Fake",
                "user": "safeguard", "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID,
                "is_enterprise_install": False}

    def m_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        st = self.server.state
        channel = str(p.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not p.get("text") and not p.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if channel[:1] in ("U", "W"):
            channel = dm_channel(channel)
        blocks = p.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        metadata = p.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        with st.lock:
            ts = f"{int(time.time())}.{next(st.ts_counter):06d}"
            message = {"bot_id": BOT_ID, "type": "message", "text": p.get("text", ""),
                       "user": BOT_USER, "ts": ts, "app_id": APP_ID, "blocks": blocks or [],
                       "team": TEAM}
            st.messages.append({"channel": channel, "to": p.get("channel"), "message": message,
                                "metadata": metadata})
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def m_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        st = self.server.state
        channel, ts = str(p.get("channel") or ""), str(p.get("ts") or "")
        blocks = p.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        with st.lock:
            for m in st.messages:
                if m["channel"] == channel and m["message"]["ts"] == ts:
                    m["message"] = dict(m["message"], text=p.get("text", ""), blocks=blocks or [],
                                        edited={"user": BOT_USER, "ts": ts})
                    return {"ok": True, "channel": channel, "ts": ts, "text": p.get("text", ""),
                            "message": m["message"]}
        return {"ok": False, "error": "message_not_found"}

    def m_conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        users = str(p.get("users") or "")
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": dm_channel(users.split(",")[0])}}

    def m_conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        st = self.server.state
        channel = str(p.get("channel") or "")
        meta = str(p.get("include_all_metadata", "")).lower() in ("1", "true")
        with st.lock:
            msgs = [dict(m["message"], **({"metadata": m["metadata"]} if meta and m["metadata"] else {}))
                    for m in st.messages if m["channel"] == channel]
        msgs.reverse()  # newest first, as Slack does
        return {"ok": True, "messages": msgs[: int(p.get("limit") or 100)], "has_more": False,
                "pin_count": 0, "response_metadata": {"next_cursor": ""}}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], state: FakeSlackState) -> None:
        self.state = state
        super().__init__(addr, _Handler)


class FakeSlack:
    def __init__(self, token: str = "xoxb-fake-token", *, port: int = 0) -> None:
        self.state = FakeSlackState(token=token)
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeSlack:
        self._server = _Server(("127.0.0.1", self.port), self.state)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-slack",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    down = stop  # connection refused until up()

    def up(self) -> FakeSlack:
        return self.start()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    # -- failures ------------------------------------------------------------------------
    def fail(self, kind: str, *, times: int | None = None, retry_after: int = 1,
             method: str | None = "chat.postMessage") -> None:
        """Fail the next ``times`` calls of ``method`` (None: any method; times None: until cleared)."""
        with self.state.lock:
            self.state.failures.append(_Failure(kind, times, retry_after, method))

    def clear_failures(self) -> None:
        with self.state.lock:
            self.state.failures.clear()

    # -- inspection ----------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        with self.state.lock:
            return list(self.state.calls)

    @property
    def posts(self) -> list[dict[str, Any]]:
        """Messages actually posted (successful chat.postMessage), oldest first."""
        with self.state.lock:
            return list(self.state.messages)

    def posts_for_key(self, key: str) -> list[dict[str, Any]]:
        return [m for m in self.posts
                if (m.get("metadata") or {}).get("event_payload", {}).get("idempotency_key") == key]


def serve_forever(token: str, ports: Any, stop: Any) -> None:
    """Run a FakeSlack until ``stop`` is set (a multiprocessing target; reports its port)."""
    fake = FakeSlack(token=token).start()
    ports.put(fake.port)
    stop.wait()
    fake.stop()


def sign_slack_request(secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack would send with ``body`` (for tests of the interactivity endpoint)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sig = "v0=" + hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body,
                           hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
            "Content-Type": "application/x-www-form-urlencoded"}
