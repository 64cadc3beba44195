"""The fake server's photo files (``/media/{name}.jpg``) and the demo posts that use them."""

from __future__ import annotations

import io

import piexif
from PIL import Image

from connectors.fakes import media
from connectors.fakes.demo_data import DEMO_ENV, POSTS, demo_accounts, load_demo
from connectors.registry import build_connector, secrets_for
from monitor.config import parse_config
from monitor.media import FetchPolicy, MediaFetcher, decode_image

from .conftest import drain


def test_the_fake_serves_a_decodable_jpeg_with_its_type_and_length(server, http):
    """An ordinary activity picture: a real JPEG, labelled as one, the same bytes every time."""
    resp = http.get(media.media_url(server.url, "leaf-prints"))
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "image/jpeg"
    assert int(resp.headers["content-length"]) == len(resp.content) > 1000
    img = decode_image(resp.content)
    assert img.format == "JPEG" and img.size == (960, 720)
    assert http.get(media.media_url(server.url, "leaf-prints")).content == resp.content
    assert http.get(media.media_url(server.url, "pumpkins")).content != resp.content
    assert http.get(f"{server.url}/media/Leaf_Prints.jpg").status_code == 404
    assert http.get(f"{server.url}/media/leaf-prints.png").status_code == 404


def test_the_gps_photo_carries_gps_exif_and_the_others_none(server, http):
    """``*-gps`` photos have the position a phone writes; ordinary ones have no EXIF GPS."""
    data = http.get(media.media_url(server.url, "den-building-gps")).content
    gps = piexif.load(data)["GPS"]
    lat = gps[piexif.GPSIFD.GPSLatitude]
    assert gps[piexif.GPSIFD.GPSLatitudeRef] == b"N"
    assert abs(lat[0][0] + lat[1][0] / 60 - media.GPS_POSITION[0]) < 0.02
    plain = Image.open(io.BytesIO(http.get(media.media_url(server.url, "football")).content))
    assert not plain.getexif().get_ifd(0x8825)


def test_the_demo_posts_photos_are_fetchable_under_the_demo_policy(server, http, monkeypatch):
    """Polled through the real connectors, every demo photo is a /media URL on the fake that
    the monitor's fetcher accepts (allow-listed origin) and decodes."""
    load_demo(server)
    for k, v in DEMO_ENV.items():
        monkeypatch.setenv(k, v)
    config = parse_config({"locations": [{"id": "oakfield", "name": "Oakfield"},
                                         {"id": "brookside", "name": "Brookside"}],
                           "accounts": demo_accounts(server)})
    urls = set()
    for acc in config.accounts:
        items, _, _ = drain(build_connector(acc, secrets_for(acc), http=http))
        urls |= {m.url for i in items for m in i.media}
    assert len(urls) == sum(1 for p in POSTS if p[3]) == 12
    assert all(u.startswith(f"{server.url}/media/") for u in urls)
    assert media.media_url(server.url, "certificate-star-of-the-week") in urls
    fetcher = MediaFetcher(FetchPolicy(allow_origins=(server.url,)))
    try:
        for url in sorted(urls):
            got = fetcher.fetch(url, "facebook")
            assert got.kind == "image/jpeg"
            decode_image(got.data)
    finally:
        fetcher.close()
