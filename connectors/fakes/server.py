"""A real HTTP server on 127.0.0.1 that plays every platform's API.

    server = FakePlatformServer().start()
    server.world.add_account("facebook", "1001", name="Oakfield Club")
    account_base_url = server.base_url("facebook")   # -> AccountConfig.base_url
    ...
    server.stop()

Each platform lives under its own prefix (``/facebook``, ``/instagram``, ``/youtube``,
``/x``, ``/tiktok``, ``/wordpress``, ``/tumblr``) and below it answers on the real API's
paths (``/facebook/v21.0/{page-id}/published_posts``, ``/youtube/youtube/v3/
commentThreads``, ``/x/2/tweets/search/recent`` ...), so a connector needs nothing but
``base_url`` to be pointed here.

Failure switches (``fail``), each for the next ``times`` matching requests (``None``:
until ``clear_failures``), optionally only where the path contains ``match``:

===================  ===================================================================
``"error"``          the platform's own error envelope; options per platform:
                     facebook/instagram ``code`` (4, 17, 32, 613, 190, 2, 200 ...),
                     ``subcode``, ``estimated_minutes`` (X-Business-Use-Case-Usage);
                     youtube ``reason`` (quotaExceeded, commentsDisabled, ...);
                     x ``status`` (401, 429), ``reset_in`` seconds; tiktok ``code``;
                     wordpress ``code``/``status``
``"rate_limit"``     the platform's documented rate-limit answer (Graph code 4 or the
                     given ``code``, X 429 with ``x-rate-limit-reset`` = now+``reset_in``,
                     YouTube 403 quotaExceeded, TikTok 40100, others 429 + Retry-After)
``"server_error"``   HTTP ``status`` (default 503)
``"timeout"``        sleep ``delay`` seconds (default 3) before answering
``"truncated"``      the normal answer with its JSON cut in half (Content-Length matches)
===================  ===================================================================

Why ThreadingHTTPServer and not uvicorn? It starts in milliseconds, needs no event
loop thread, and a "timeout" is just a sleeping handler thread.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from connectors.fakes.model import FakeWorld

log = logging.getLogger("connectors.fakes")

PLATFORMS = ("facebook", "instagram", "youtube", "x", "tiktok", "wordpress", "tumblr")


@dataclass
class FakeRequest:
    platform: str
    method: str
    path: str  # below the platform prefix, e.g. /v21.0/123/comments
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    base: str  # server URL + platform prefix

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def form(self) -> dict[str, str]:
        ctype = self.headers.get("content-type", "")
        if "json" in ctype:
            data = self.json()
            return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    def bearer(self) -> str | None:
        auth = self.headers.get("authorization", "")
        for scheme in ("Bearer ", "OAuth "):
            if auth.startswith(scheme):
                return auth[len(scheme):].strip()
        return None


@dataclass
class FakeResponse:
    status: int = 200
    body: Any = None  # JSON-able, or bytes/str sent as is
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


Handler = Callable[[FakeRequest, "re.Match[str]"], FakeResponse]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


@dataclass
class Failure:
    platform: str
    kind: str
    remaining: int | None
    match: str | None
    opts: dict[str, Any]
    hits: int = 0


class PlatformFake:
    """One platform's API: its routes, how it authenticates, how it fails."""

    name: str = ""

    def __init__(self, server: FakePlatformServer) -> None:
        self.server = server
        self.world = server.world

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def authenticate(self, req: FakeRequest) -> FakeResponse | None:
        """None when the request's credential is accepted, else the platform's refusal."""
        return None

    def failure(self, kind: str, opts: dict[str, Any]) -> FakeResponse:
        """The platform's answer for an ``error`` or ``rate_limit`` switch."""
        return FakeResponse(429, {"error": "rate limited"}, {"retry-after": str(opts.get("retry_after", 30))})


class FakePlatformServer:
    """All the platform fakes behind one loopback port. ``start()``/``stop()``/``url``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self.world = FakeWorld()
        self.requests: list[tuple[str, str, str]] = []  # (platform, method, path)
        self._failures: list[Failure] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.fakes: dict[str, PlatformFake] = {}
        self._routes: dict[str, list[Route]] = {}
        from connectors.fakes.platforms import build_fakes

        for fake in build_fakes(self):
            self.fakes[fake.name] = fake
            self._routes[fake.name] = fake.routes()

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> Self:
        if self._httpd is not None:
            return self
        server: FakePlatformServer = self

        class _Handler(_RequestHandler):
            fake_server = server

        self._httpd = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name=f"fake-platforms:{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def base_url(self, platform: str) -> str:
        """What to put in ``AccountConfig.base_url`` for ``platform``."""
        if platform not in PLATFORMS:
            raise KeyError(f"no fake for {platform!r}; have {', '.join(PLATFORMS)}")
        return f"{self.url}/{platform}"

    # -- failure switches -----------------------------------------------------------------
    def fail(
        self, platform: str, kind: str, *, times: int | None = 1, match: str | None = None, **opts: Any
    ) -> Failure:
        if kind not in ("error", "rate_limit", "server_error", "timeout", "truncated"):
            raise ValueError(f"unknown failure kind {kind!r}")
        failure = Failure(platform, kind, times, match, opts)
        with self._lock:
            self._failures.append(failure)
        return failure

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def calls(self, platform: str | None = None) -> int:
        return sum(1 for r in self.requests if platform is None or r[0] == platform)

    def _take_failure(self, platform: str, path: str) -> Failure | None:
        with self._lock:
            for f in self._failures:
                if f.platform == platform and (f.match is None or f.match in path):
                    if f.remaining is not None:
                        f.remaining -= 1
                        if f.remaining <= 0:
                            self._failures.remove(f)
                    f.hits += 1
                    return f
        return None

    # -- dispatch -------------------------------------------------------------------------
    def dispatch(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> FakeResponse:
        parts = urlsplit(raw_path)
        segs = parts.path.split("/", 2)
        platform = segs[1] if len(segs) > 1 else ""
        if platform not in self.fakes:
            return FakeResponse(404, {"error": f"no fake platform at /{platform}"})
        path = "/" + (segs[2] if len(segs) > 2 else "")
        req = FakeRequest(
            platform, method, path, dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers, body, f"{self.url}/{platform}",
        )
        with self._lock:
            self.requests.append((platform, method, path))
        fake = self.fakes[platform]
        failure = self._take_failure(platform, path)
        truncate = False
        if failure is not None:
            if failure.kind == "timeout":
                time.sleep(float(failure.opts.get("delay", 3.0)))
            elif failure.kind == "server_error":
                status = int(failure.opts.get("status", 503))
                return FakeResponse(status, failure.opts.get("body", "Service Unavailable"),
                                    {"content-type": "text/plain"})
            elif failure.kind == "truncated":
                truncate = True
            else:
                return fake.failure(failure.kind, failure.opts)
        refusal = fake.authenticate(req)
        if refusal is not None:
            return refusal
        response = self._route(fake, req)
        if truncate:
            data = response.encode()
            response = FakeResponse(response.status, data[: max(1, len(data) // 2)], response.headers)
        return response

    def _route(self, fake: PlatformFake, req: FakeRequest) -> FakeResponse:
        for route in self._routes[fake.name]:
            if route.method == req.method:
                m = route.pattern.match(req.path)
                if m:
                    with self.world.lock:
                        return route.handler(req, m)
        return FakeResponse(404, {"error": {"message": f"no route {req.method} {req.path}"}})


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one write with TCP_NODELAY: otherwise Nagle plus delayed
    # ACKs add ~40 ms to every keep-alive request and the benchmark measures the fake.
    disable_nagle_algorithm = True
    wbufsize = 1 << 16
    fake_server: FakePlatformServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("fake %s", format % args)

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            response = self.fake_server.dispatch(self.command, self.path, headers, body)
        except Exception:  # a bug in a fake must show up as a 500, not a hung test
            log.exception("fake platform handler failed")
            response = FakeResponse(500, {"error": "fake handler crashed"})
        data = response.encode()
        try:
            self.send_response(response.status)
            hdrs = {"content-type": "application/json; charset=UTF-8", **response.headers}
            for k, v in hdrs.items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a simulated timeout)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle
