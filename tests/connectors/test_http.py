"""The shared request loop and paging: error mapping, delays, redaction, loop protection."""

from __future__ import annotations

import logging

import httpx
import pytest

from connectors.http import ApiClient, redact, retry_after_seconds, strip_params
from connectors.paging import PageTokens, TimeCursor, paginate
from monitor.errors import CredentialsRejected, MalformedResponse, RateLimited, SourceUnavailable

from .conftest import TOKEN, mock_client


def _api(handler, **kw) -> ApiClient:
    return ApiClient(mock_client(handler), account="acct", base_url="https://api.example",
                     headers={"authorization": f"Bearer {TOKEN}"}, secrets=[TOKEN], **kw)


def test_retry_after_seconds_reads_seconds_dates_and_x_reset():
    """Retry-After in seconds or as an HTTP date, or X's reset epoch, becomes a delay in seconds."""
    assert retry_after_seconds({"retry-after": "120"}, now=0) == 120
    assert retry_after_seconds({"retry-after": "Thu, 01 Jan 1970 00:02:00 GMT"}, now=60) == 60
    assert retry_after_seconds({"x-rate-limit-reset": "1000"}, now=900) == 100
    assert retry_after_seconds({}, now=0, default=7) == 7


def test_429_raises_rate_limited_with_the_header_delay():
    """A 429 is not retried in the loop: the daemon waits the platform's delay for this account only."""
    api = _api(lambda r: httpx.Response(429, headers={"retry-after": "42"}, json={}))
    with pytest.raises(RateLimited) as exc:
        api.get("/x")
    assert exc.value.retry_after == 42 and exc.value.account == "acct"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_raises_source_unavailable(status):
    """Server errors are retried later with back-off: SourceUnavailable."""
    api = _api(lambda r: httpx.Response(status, text="<html>oops</html>"))
    with pytest.raises(SourceUnavailable):
        api.get("/x")


def test_truncated_json_raises_malformed_response():
    """A body cut off mid-JSON must not look like an empty page (which would advance cursors)."""
    api = _api(lambda r: httpx.Response(200, content=b'{"data": [{"id": "1"'))
    with pytest.raises(MalformedResponse):
        api.get("/x")


def test_401_without_envelope_raises_credentials_rejected():
    """A bare 401 means the token is no good: stop and tell the admin."""
    api = _api(lambda r: httpx.Response(401, json={"title": "Unauthorized"}))
    with pytest.raises(CredentialsRejected):
        api.get("/x")


def test_connection_errors_raise_source_unavailable():
    """Connection refused or reset is a transient outage, not a crash."""
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)
    with pytest.raises(SourceUnavailable):
        _api(refuse).get("/x")


def test_token_never_in_messages_or_logs(caplog):
    """Even if a platform echoes the token back, it is redacted from errors and log records."""
    caplog.set_level(logging.DEBUG)
    api = _api(lambda r: httpx.Response(400, text=f"bad token {TOKEN}"))
    with pytest.raises(MalformedResponse) as exc:
        api.get(f"https://api.example/x?access_token={TOKEN}")
    assert TOKEN not in str(exc.value)
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


def test_followed_urls_lose_their_access_token():
    """Graph echoes access_token into paging links; we strip it and send the header instead."""
    seen = []
    api = _api(lambda r: (seen.append(str(r.url)), httpx.Response(200, json={}))[1])
    api.get(f"https://api.example/next?after=abc&access_token={TOKEN}")
    assert TOKEN not in seen[0] and "after=abc" in seen[0]
    assert strip_params("https://h/p?a=1&access_token=t") == "https://h/p?a=1"
    assert redact(f"x {TOKEN} y", [TOKEN]) == "x *** y"


def test_paging_refuses_a_repeated_token():
    """A platform returning the same cursor twice would loop forever; the poll stops instead."""
    pages = paginate(lambda tok: ([tok], "same"), "listing", account="acct")
    with pytest.raises(MalformedResponse):
        list(pages)
    tokens = PageTokens("x")
    assert tokens.advance("a") and not tokens.advance(None)


def test_time_cursor_skips_ids_already_seen_in_the_same_second():
    """Asking again from the same second delivers only the comments not stored yet."""
    cur = TimeCursor.decode(None)
    assert cur.is_new(0, "a") and not cur.present
    cur.see(100, "a")
    cur.see(100, "b")
    back = TimeCursor.decode(cur.encode())
    assert not back.is_new(100, "a") and back.is_new(100, "c") and back.is_new(101, "a")
    assert not back.is_new(99, "z")
    assert back.capped(50).ts == 50
    assert TimeCursor.decode("garbage").present is False


def test_paging_links_to_another_host_are_refused():
    """The token header would follow a link; a next page on a foreign host is refused."""
    api = _api(lambda r: httpx.Response(200, json={}))
    with pytest.raises(MalformedResponse):
        api.get("https://evil.example/steal?after=1")
