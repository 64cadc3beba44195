"""The one request loop every platform client goes through.

``ApiClient`` sends a request with httpx and turns everything that can go wrong into the
monitor's error tree, so a platform client only describes endpoints and its error
envelope:

    timeout / connection refused / reset   -> SourceUnavailable
    429 (Retry-After, x-rate-limit-reset)   -> RateLimited(retry_after=<header's delay>)
    5xx                                     -> SourceUnavailable
    401 / 403 without a platform envelope   -> CredentialsRejected
    body that is not JSON (truncated, HTML) -> MalformedResponse
    platform error envelope                 -> whatever ``interpret`` raises

Why no retries in here? Waiting is the daemon's job, per account: a connector that slept
on a Retry-After of ten minutes would hold a worker while other accounts starve. So a
failure is raised at once with the delay the platform asked for.

Secrets: tokens travel in headers, never in URLs (``strip_params`` removes an
``access_token`` the platform echoes into its paging links), error messages name only
the method and path, and every message passes through ``redact`` with the account's
secrets before it is raised or logged.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypedDict, Unpack
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from monitor.errors import (
    ConnectorError,
    CredentialsRejected,
    MalformedResponse,
    RateLimited,
    SourceUnavailable,
)

log = logging.getLogger("connectors.http")

#: Query parameters that may carry a credential and are removed from any URL we follow.
SECRET_PARAMS = frozenset({"access_token", "api_key", "key", "client_secret", "appsecret_proof"})
DEFAULT_TIMEOUT = 20.0
DEFAULT_RETRY_AFTER = 60.0


class RequestOptions(TypedDict, total=False):
    """What ``ApiClient.request`` passes on to ``ApiClient.exchange`` (all optional)."""

    params: Mapping[str, Any] | None
    json_body: Any
    data: Mapping[str, Any] | None
    headers: Mapping[str, str] | None


#: ``interpret(api, response, body)`` raises the platform's error for an envelope, or returns.
Interpreter = Callable[["ApiClient", httpx.Response, Any], None]


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every secret (and its URL-encoded form) replaced by ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
            encoded = urlencode({"x": secret})[2:]
            if encoded != secret:
                text = text.replace(encoded, "***")
    return text


def strip_params(url: str, names: Iterable[str] = SECRET_PARAMS) -> str:
    """``url`` without credential parameters (Graph puts ``access_token`` in ``next``)."""
    parts = urlsplit(url)
    drop = set(names)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in drop]
    return urlunsplit(parts._replace(query=urlencode(query)))


def retry_after_seconds(
    headers: Mapping[str, str], *, now: float, default: float = DEFAULT_RETRY_AFTER
) -> float:
    """The delay a 429 asks for: ``Retry-After`` (seconds or HTTP date) or X's reset epoch."""
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        if value.replace(".", "", 1).isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - now)
        except (TypeError, ValueError):
            pass
    reset = headers.get("x-rate-limit-reset")
    if reset and reset.strip().isdigit():
        return max(0.0, float(reset) - now)
    return default


def describe(method: str, url: str) -> str:
    """``GET /v21.0/123/comments``: what a log line or error may say about a request."""
    return f"{method} {urlsplit(url).path}"


class ApiClient:
    """The request loop for one account on one platform.

    ``base_url`` is the API root (an ``AccountConfig.base_url`` override points it at a
    local fake); ``headers`` carry the credential; ``secrets`` are redacted from every
    message; ``interpret`` maps the platform's error envelope. ``calls`` counts every
    request sent, including failed ones, for the benchmark and diagnostics.
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        account: str,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str | None] = (),
        interpret: Interpreter | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
        logger: logging.Logger | None = None,
    ) -> None:
        self.http = http
        self.account = account
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers or {})
        self.secrets = tuple(s for s in secrets if s)
        self.interpret = interpret
        self.timeout = timeout
        self.clock = clock
        self.log = logger or log
        self.calls = 0

    # -- helpers for platform clients ----------------------------------------------
    def url(self, path_or_url: str) -> str:
        """An absolute URL for a path, or a platform's paging link checked and cleaned.

        A link is only followed on the API's own host: the credential header goes with
        it, so a response pointing elsewhere is refused rather than obeyed.
        """
        if path_or_url.startswith(("http://", "https://")):
            link, base = urlsplit(path_or_url), urlsplit(self.base_url)
            if (link.scheme, link.netloc) != (base.scheme, base.netloc):
                raise self.fail(MalformedResponse, f"refusing to follow a link to another host ({link.netloc})")
            return strip_params(path_or_url)
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def call_counter(self) -> Callable[[], int]:
        """``spent()``: the requests sent since the previous ``spent()`` (or since now).

        Each ``Batch`` carries the calls spent on it, so a poll makes one when it starts.
        """
        calls = self.calls

        def spent() -> int:
            nonlocal calls
            used, calls = self.calls - calls, self.calls
            return used

        return spent

    def error(self, cls: type[ConnectorError], message: str, **kw: Any) -> ConnectorError:
        """An error of ``cls`` for this account, its message redacted."""
        return cls(self.redact(message), account=self.account, **kw)

    # -- the loop ---------------------------------------------------------------------
    def request(self, method: str, path_or_url: str, **options: Unpack[RequestOptions]) -> Any:
        """Send one request; return the decoded JSON body (``None`` for an empty body)."""
        return self.exchange(method, path_or_url, **options)[0]

    def exchange(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[Any, httpx.Response]:
        """Like ``request`` but also hands back the response (for paging headers)."""
        url = self.url(path_or_url)
        what = describe(method, url)
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        self.calls += 1
        try:
            response = self.http.request(
                method,
                url,
                params=clean_params or None,
                json=json_body,
                data=data,
                headers={**self.headers, **(headers or {})},
                timeout=self.timeout,
            )
        except httpx.TimeoutException:
            raise self.fail(SourceUnavailable, f"{what} timed out after {self.timeout:g}s") from None
        except httpx.TransportError as exc:
            raise self.fail(
                SourceUnavailable, f"{what} failed: {type(exc).__name__}: {exc}"
            ) from None
        body = self._decode(response, what)
        if self.interpret is not None:
            self.interpret(self, response, body)
        self._check_status(response, body, what)
        self.log.debug("[%s] %s -> %s", self.account, what, response.status_code)
        return body, response

    def get(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path_or_url, params=params)

    def fail(self, cls: type[ConnectorError], message: str, **kw: Any) -> ConnectorError:
        """Build the error (redacted) and log it once with the account; the caller raises."""
        err = self.error(cls, message, **kw)
        self.log.warning("%s", err)
        return err

    def _decode(self, response: httpx.Response, what: str) -> Any:
        status = response.status_code
        raw = response.content
        if not raw.strip():
            if status >= 400:
                self._check_status(response, None, what)
            return None
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            if status == 429 or status >= 500 or status in (401, 403):
                self._check_status(response, None, what)
            raise self.fail(
                MalformedResponse,
                f"{what} returned {status} with a body that is not valid JSON "
                f"({len(raw)} bytes, {response.headers.get('content-type', 'no content-type')})",
            ) from None

    def _check_status(self, response: httpx.Response, body: Any, what: str) -> None:
        status = response.status_code
        if status < 400:
            return
        if status == 429:
            delay = retry_after_seconds(response.headers, now=self.clock())
            raise self.fail(
                RateLimited, f"{what} rate limited (429); retry in {delay:.0f}s", retry_after=delay
            )
        if status >= 500:
            raise self.fail(SourceUnavailable, f"{what} failed with {status}")
        if status in (401, 403):
            raise self.fail(
                CredentialsRejected, f"{what} refused the credentials ({status}); check the token"
            )
        raise self.fail(MalformedResponse, f"{what} was refused with {status}")


def json_object(value: Any, *, client: ApiClient, what: str) -> dict[str, Any]:
    """``value`` if it is a JSON object; otherwise MalformedResponse (cursor not advanced)."""
    if not isinstance(value, dict):
        raise client.error(MalformedResponse, f"{what}: expected a JSON object, got {type(value).__name__}")
    return value
