"""Safe fetching of the media that items reference: allow-listed hosts, no SSRF, limits.

A media URL comes from a platform's API, which is to say from whoever posted: it is
untrusted input. So before a byte is read:

- the URL's host must be one of the platform's media hosts (``PLATFORM_HOSTS``), or an
  origin explicitly allowed in configuration (the fake platforms in tests and the demo);
- the host is resolved once, and every address must be public: loopback, private,
  link-local (169.254.169.254, the cloud metadata service), multicast, reserved and
  unspecified addresses are refused — unless the origin is an explicitly allowed one;
- the connection goes to the address that was checked (the URL is rewritten to the IP,
  with the ``Host`` header and TLS SNI set to the name), so a DNS answer that changes
  between the check and the connection (DNS rebinding) cannot send us elsewhere;
- redirects are followed by hand, at most ``max_redirects``, each hop checked again;
- the body is streamed and abandoned past ``max_bytes``; the whole fetch has a deadline;
- the type is sniffed from the first bytes (magic numbers), never taken from the header.

Decoding (``decode_image``) runs Pillow under a pixel limit, so a decompression bomb is
an error and not an out-of-memory kill. Every failure is a :class:`MediaError`; callers
(the image classifiers) log it and return no finding, never crash the pipeline.

Why not trust ``Content-Type``? A polyglot or mislabelled file is exactly how a hostile
file reaches a decoder it was not meant for; magic bytes say what the decoder will see.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import logging
import socket
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from PIL import Image

from monitor.errors import MonitorError

log = logging.getLogger(__name__)

#: Each platform's media hosts (fnmatch patterns). WordPress media live on the site itself:
#: its host is added per account through ``FetchPolicy.extra_hosts``.
PLATFORM_HOSTS: dict[str, tuple[str, ...]] = {
    "facebook": ("*.fbcdn.net", "scontent*.fbcdn.net", "*.facebook.com"),
    "instagram": ("*.cdninstagram.com", "*.fbcdn.net"),
    "youtube": ("i.ytimg.com", "i[0-9].ytimg.com", "yt3.ggpht.com"),
    "x": ("pbs.twimg.com", "video.twimg.com"),
    "tiktok": ("*.tiktokcdn.com", "*.tiktokcdn-us.com", "*.tiktokcdn-eu.com"),
    "tumblr": ("*.media.tumblr.com", "media.tumblr.com"),
    "wordpress": ("*.wp.com", "*.wordpress.com"),
}

#: Pillow refuses to decode more pixels than this (about 12,000 x 4,000): a phone photo
#: is 12-50 megapixels at most, a bomb is gigapixels.
MAX_IMAGE_PIXELS = 50_000_000


class MediaError(MonitorError):
    """A media file could not be checked; ``reason`` is a short stable code for logs."""

    reason = "error"

    def __init__(self, message: str, *, url: str | None = None) -> None:
        self.url = url
        super().__init__(f"{message} [{_redact(url)}]" if url else message)


class MediaRefused(MediaError):
    """The URL is not allowed: wrong scheme or host, or it resolves to a private address."""

    reason = "refused"


class MediaTooLarge(MediaError):
    """The file is bigger than the byte limit, or the image has too many pixels."""

    reason = "too_large"


class MediaUnavailable(MediaError):
    """The host did not answer in time, or answered with an error status."""

    reason = "unavailable"


class MediaUndecodable(MediaError):
    """The bytes are not a supported, intact image or video."""

    reason = "undecodable"


def _redact(url: str | None) -> str:
    """Scheme, host and path only: query strings of CDN URLs carry signed tokens."""
    if not url:
        return ""
    p = urlsplit(url)
    return urlunsplit((p.scheme, p.netloc, p.path, "", ""))


# -- content sniffing --------------------------------------------------------------------
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"RIFF", 0, "riff"),  # WEBP or AVI, decided below
    (b"ftyp", 4, "iso-bmff"),  # MP4 / MOV / HEIC, decided below
    (b"\x1a\x45\xdf\xa3", 0, "video/webm"),
    (b"BM", 0, "image/bmp"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
)
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp",
                         "image/tiff"})
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime", "video/webm", "video/avi"})


def sniff(head: bytes) -> str | None:
    """The media type the first bytes declare, or None for anything we do not decode."""
    for magic, offset, kind in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            if kind == "riff":
                sub = head[8:12]
                return {b"WEBP": "image/webp", b"AVI ": "video/avi"}.get(sub)
            if kind == "iso-bmff":
                brand = head[8:12]
                if brand in (b"heic", b"heix", b"mif1", b"avif"):
                    return None  # HEIF/AVIF: Pillow cannot decode them without a plugin
                return "video/quicktime" if brand == b"qt  " else "video/mp4"
            return kind
    return None


# -- decoding ----------------------------------------------------------------------------
def decode_image(data: bytes, *, max_pixels: int = MAX_IMAGE_PIXELS) -> Image.Image:
    """Decode fully (``load``) under the pixel limit; any failure is a MediaError.

    Why ``load()`` here? Pillow is lazy: a truncated file opens fine and fails later,
    inside a check. Loading at once keeps every decoding failure in one place.
    """
    kind = sniff(data[:32])
    if kind not in IMAGE_TYPES:
        raise MediaUndecodable(f"not a supported image (sniffed {kind or 'unknown'})")
    old = Image.MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = max_pixels
            img = Image.open(io.BytesIO(data))
            if img.width * img.height > max_pixels:
                raise MediaTooLarge(f"image of {img.width}x{img.height} pixels is over the limit")
            img.load()
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise MediaTooLarge(f"decompression bomb refused: {err}") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as err:
        raise MediaUndecodable(f"image could not be decoded: {type(err).__name__}") from None
    finally:
        Image.MAX_IMAGE_PIXELS = old
    return img


# -- fetching ----------------------------------------------------------------------------
@dataclass(frozen=True)
class FetchPolicy:
    """Limits and allow-lists. ``allow_origins`` (``http://127.0.0.1:8123``) bypass the host
    and address checks: only for the fake platforms in tests and the demo."""

    max_bytes: int = 25 * 1024 * 1024
    max_video_bytes: int = 100 * 1024 * 1024  # videos only (``fetch(..., video=True)``)
    timeout: float = 10.0  # seconds for the whole fetch, redirects included
    max_redirects: int = 3
    allow_origins: tuple[str, ...] = ()
    extra_hosts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # platform -> patterns


@dataclass(frozen=True)
class Fetched:
    url: str
    data: bytes
    kind: str  # sniffed media type
    sha256: str


Resolver = Callable[[str, int], Sequence[str]]


def _system_resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise MediaUnavailable(f"cannot resolve {host!r}: {err}") from None
    return sorted({str(i[4][0]) for i in infos})


def _origin(url: str) -> str:
    p = urlsplit(url)
    port = p.port or (443 if p.scheme == "https" else 80)
    return f"{p.scheme}://{(p.hostname or '').lower()}:{port}"


def is_public_address(addr: str) -> bool:
    """True only for a globally routable unicast address."""
    ip = ipaddress.ip_address(addr.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified) and ip.is_global


class MediaFetcher:
    """Fetches one URL for one platform under a :class:`FetchPolicy`.

    ``resolver`` is injectable so tests can make a name resolve to loopback without
    touching DNS; ``transport`` so they can refuse to open any non-loopback socket.
    """

    def __init__(self, policy: FetchPolicy | None = None, *, resolver: Resolver | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self._resolve = resolver or _system_resolve
        self._allowed_origins = {_origin(o) for o in self.policy.allow_origins}
        self._client = httpx.Client(transport=transport, follow_redirects=False,
                                    headers={"user-agent": "safeguard-monitor media check"})

    def close(self) -> None:
        self._client.close()

    def check_url(self, url: str, platform: str) -> tuple[str, dict[str, Any], str | None]:
        """(URL to connect to, headers, SNI name) for an allowed URL; raises MediaRefused."""
        p = urlsplit(url)
        if p.scheme not in ("http", "https") or not p.hostname:
            raise MediaRefused("only http(s) URLs with a host are fetched", url=url)
        if p.username or p.password:
            raise MediaRefused("URLs with credentials are refused", url=url)
        host = p.hostname.lower().rstrip(".")
        if _origin(url) in self._allowed_origins:
            return url, {}, None
        patterns = PLATFORM_HOSTS.get(platform, ()) + self.policy.extra_hosts.get(platform, ())
        if not any(fnmatch(host, pat) for pat in patterns):
            raise MediaRefused(f"host {host!r} is not a {platform} media host", url=url)
        if p.scheme != "https":
            raise MediaRefused("platform media are fetched over https only", url=url)
        try:
            ipaddress.ip_address(host)
            raise MediaRefused("IP-literal media URLs are refused", url=url)
        except ValueError:
            pass
        addrs = self._resolve(host, p.port or 443)
        if not addrs:
            raise MediaUnavailable(f"{host!r} resolved to nothing", url=url)
        bad = [a for a in addrs if not is_public_address(a)]
        if bad:
            raise MediaRefused(f"{host!r} resolves to a non-public address", url=url)
        ip = addrs[0]
        netloc = f"[{ip}]" if ":" in ip else ip
        if p.port:
            netloc += f":{p.port}"
        pinned = urlunsplit((p.scheme, netloc, p.path or "/", p.query, ""))
        return pinned, {"host": p.netloc.split("@")[-1]}, host

    def fetch(self, url: str, platform: str, *, video: bool = False) -> Fetched:
        """The bytes at ``url``, checked and limited; raises a MediaError subclass."""
        limit = self.policy.max_video_bytes if video else self.policy.max_bytes
        deadline = time.monotonic() + self.policy.timeout * (3 if video else 1)
        current = url
        for _ in range(self.policy.max_redirects + 1):
            target, headers, sni = self.check_url(current, platform)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise MediaUnavailable("fetch deadline passed", url=url)
            ext: dict[str, Any] = {"sni_hostname": sni} if sni else {}
            ext["timeout"] = {"connect": remaining, "read": remaining, "write": remaining,
                              "pool": remaining}
            req = self._client.build_request("GET", target, headers=headers, extensions=ext)
            try:
                resp = self._client.send(req, stream=True)
            except httpx.HTTPError as err:
                raise MediaUnavailable(f"fetch failed: {type(err).__name__}", url=url) from None
            try:
                if resp.status_code in (301, 302, 303, 307, 308):
                    loc = resp.headers.get("location")
                    if not loc:
                        raise MediaUnavailable("redirect without a location", url=url)
                    current = urljoin(current, loc)
                    continue
                if resp.status_code != 200:
                    raise MediaUnavailable(f"HTTP {resp.status_code}", url=url)
                declared = resp.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > limit:
                    raise MediaTooLarge(f"declared {declared} bytes", url=url)
                data = self._read_limited(resp, deadline, url, limit)
            finally:
                resp.close()
            kind = sniff(data[:32])
            if kind is None:
                raise MediaUndecodable("unrecognised media type", url=url)
            return Fetched(url=url, data=data, kind=kind, sha256=hashlib.sha256(data).hexdigest())
        raise MediaRefused("too many redirects", url=url)

    def _read_limited(self, resp: httpx.Response, deadline: float, url: str, limit: int) -> bytes:
        buf = bytearray()
        try:
            for chunk in resp.iter_bytes(65536):
                buf += chunk
                if len(buf) > limit:
                    raise MediaTooLarge(f"more than {limit} bytes", url=url)
                if time.monotonic() > deadline:
                    raise MediaUnavailable("fetch deadline passed while reading", url=url)
        except httpx.HTTPError as err:
            raise MediaUnavailable(f"read failed: {type(err).__name__}", url=url) from None
        return bytes(buf)
