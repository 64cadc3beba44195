"""Safe fetching: allow-listed hosts only, no SSRF, limits, sniffed types, hostile files."""

from __future__ import annotations

import httpx
import pytest

from monitor.media import (
    FetchPolicy,
    MediaFetcher,
    MediaRefused,
    MediaTooLarge,
    MediaUnavailable,
    MediaUndecodable,
    decode_image,
    is_public_address,
    sniff,
)
from tests.photos import images


def _no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"the fetcher tried to connect to {request.url}")


def fetcher_resolving_to(addr: str) -> MediaFetcher:
    """A fetcher whose DNS answers ``addr`` for every name and which can open no socket."""
    return MediaFetcher(FetchPolicy(), resolver=lambda host, port: [addr],
                        transport=httpx.MockTransport(_no_network))


@pytest.mark.parametrize("addr", ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1",
                                  "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
                                  "::1", "fe80::1", "fc00::5", "::ffff:127.0.0.1"])
def test_a_media_host_resolving_to_a_private_address_is_refused(addr: str) -> None:
    """SSRF: an allowed CDN name that resolves inside our network is never fetched."""
    with pytest.raises(MediaRefused, match="non-public"):
        fetcher_resolving_to(addr).fetch("https://scontent-lhr8-1.xx.fbcdn.net/v/t1/a.jpg", "facebook")


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/a.jpg", "https://10.0.0.7/a.jpg", "http://169.254.169.254/latest/meta-data/",
    "https://localhost/a.jpg", "file:///etc/passwd", "https://evil.example.com/a.jpg",
    "https://user:pw@scontent.xx.fbcdn.net/a.jpg", "gopher://scontent.xx.fbcdn.net/a",
    "http://scontent.xx.fbcdn.net/a.jpg",  # platform media are https only
])
def test_urls_outside_the_platform_media_hosts_are_refused(url: str) -> None:
    """Literal addresses, metadata endpoints, other hosts, other schemes: refused before DNS."""
    f = MediaFetcher(FetchPolicy(), resolver=lambda h, p: pytest.fail("resolved"),
                     transport=httpx.MockTransport(_no_network))
    with pytest.raises(MediaRefused):
        f.fetch(url, "facebook")


def test_hosts_are_allowed_per_platform() -> None:
    """An Instagram CDN is fine for Instagram, not for YouTube; the connection is pinned."""
    f = fetcher_resolving_to("93.184.216.34")
    target, headers, sni = f.check_url("https://scontent.cdninstagram.com/p/x.jpg?sig=1", "instagram")
    assert target == "https://93.184.216.34/p/x.jpg?sig=1"
    assert headers == {"host": "scontent.cdninstagram.com"} and sni == "scontent.cdninstagram.com"
    with pytest.raises(MediaRefused):
        f.check_url("https://scontent.cdninstagram.com/p/x.jpg", "youtube")


def test_public_address_classification() -> None:
    """Only globally routable unicast addresses count as public."""
    assert is_public_address("93.184.216.34") and is_public_address("2606:2800:220:1::1")
    assert not any(is_public_address(a) for a in ("127.0.0.2", "169.254.1.1", "::ffff:10.0.0.1"))


def test_a_redirect_to_the_metadata_service_is_refused(media_server) -> None:  # type: ignore[no-untyped-def]
    """Each redirect hop is checked again: an allowed origin cannot bounce us inside."""
    url = media_server.add("/redirect.jpg", status=302, location="http://169.254.169.254/latest/")
    f = MediaFetcher(FetchPolicy(allow_origins=(media_server.url,)))
    with pytest.raises(MediaRefused):
        f.fetch(url, "facebook")


def test_the_allowed_test_origin_is_fetched_and_sniffed(media_server) -> None:  # type: ignore[no-untyped-def]
    """A PNG served as image/jpeg is a PNG: the header is not believed."""
    url = media_server.add("/lying.jpg", images.png(images.plain_scene(2)), content_type="image/jpeg")
    got = MediaFetcher(FetchPolicy(allow_origins=(media_server.url,))).fetch(url, "facebook")
    assert got.kind == "image/png" and len(got.sha256) == 64


def test_an_html_page_served_as_an_image_is_refused(media_server) -> None:  # type: ignore[no-untyped-def]
    """Unknown magic bytes: not decoded at all."""
    url = media_server.add("/page.jpg", b"<html><body>hello</body></html>", content_type="image/jpeg")
    with pytest.raises(MediaUndecodable):
        MediaFetcher(FetchPolicy(allow_origins=(media_server.url,))).fetch(url, "facebook")


def test_a_body_over_the_byte_limit_is_abandoned(media_server) -> None:  # type: ignore[no-untyped-def]
    """A huge PNG stops the download at the limit."""
    url = media_server.add("/huge.png", images.huge_png(), content_type="image/png")
    f = MediaFetcher(FetchPolicy(allow_origins=(media_server.url,), max_bytes=1_000_000))
    with pytest.raises(MediaTooLarge):
        f.fetch(url, "facebook")


def test_a_slow_server_times_out(media_server) -> None:  # type: ignore[no-untyped-def]
    """The whole fetch has a deadline."""
    url = media_server.add("/slow.jpg", images.jpeg(images.plain_scene(4)), delay=2.0)
    f = MediaFetcher(FetchPolicy(allow_origins=(media_server.url,), timeout=0.5))
    with pytest.raises(MediaUnavailable):
        f.fetch(url, "facebook")


def test_a_decompression_bomb_is_refused_without_allocating_it() -> None:
    """900 megapixels in 100 KB: refused by the pixel limit, not an out-of-memory kill."""
    data = images.bomb_png()
    assert len(data) < 1_000_000
    with pytest.raises(MediaTooLarge):
        decode_image(data)


def test_a_truncated_jpeg_is_an_undecodable_image() -> None:
    """Pillow's lazy decoding must not let the failure escape later, inside a check."""
    with pytest.raises(MediaUndecodable):
        decode_image(images.truncated_jpeg())


def test_polyglots_are_judged_by_what_the_decoder_sees() -> None:
    """JPEG magic + HTML is undecodable; a JPEG with a ZIP appended is just its JPEG."""
    with pytest.raises(MediaUndecodable):
        decode_image(images.polyglot_html_jpeg())
    assert decode_image(images.polyglot_jpeg_zip()).size == (800, 600)
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b"\x00\x00\x00\x18ftypheic") is None
