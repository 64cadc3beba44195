"""Photo files for the fake platforms: ``GET /media/{name}.jpg`` on the same server.

The fake APIs put media URLs in their posts; this serves the files behind them, so the
photo checks (``classifiers/images``) have real JPEGs to fetch in the demo and in tests:

- any name: an ordinary activity picture (coloured shapes on a pale ground, no text, no
  face), drawn from a seed derived from the name, so the same name is the same file;
- ``certificate-*``: a "Star of the Week" certificate with a child's full name and school
  in large DejaVu letters (OCR → ``child_identification``);
- ``*-gps``: an activity picture carrying EXIF GPS, as a phone writes it;
- ``face-*``: scikit-image's astronaut (Eileen Collins, NASA, public domain): one face.

Files are rendered on first request and kept in memory (``render`` is cached); ``warm``
renders a list ahead of time. Unknown shapes of name (not ``[a-z0-9-]+.jpg``) are 404.

    url = media_url(server.url, "leaf-prints")   # -> http://127.0.0.1:PORT/media/leaf-prints.jpg
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections.abc import Iterable
from typing import Any

from connectors.fakes.server import FakeRequest, FakeResponse, PlatformFake, Route

#: Where the demo's GPS photos "were taken" (a park in Oakfield, roughly: invented).
GPS_POSITION = (52.2053, 0.1218)
CERTIFICATE_LINES = ("Star of the Week", "Ella Robinson, Year 2", "Oakfield Primary School")

_cache: dict[str, bytes] = {}
_cache_lock = threading.Lock()


def media_url(server_url: str, name: str) -> str:
    return f"{server_url.rstrip('/')}/media/{name}.jpg"


def _font(size: int) -> Any:
    import matplotlib
    from PIL import ImageFont

    return ImageFont.truetype(matplotlib.get_data_path() + "/fonts/ttf/DejaVuSans.ttf", size)


def _jpeg(img: Any, exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=88, **({"exif": exif} if exif else {}))
    return buf.getvalue()


def _activity(name: str) -> Any:
    """Coloured shapes on a pale ground: paper cut-outs on a craft table, more or less."""
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big"))
    w, h = 960, 720
    bg = tuple(rng.randint(215, 245) for _ in range(3))
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    for _ in range(rng.randint(10, 18)):
        colour = tuple(rng.randint(30, 230) for _ in range(3))
        x, y = rng.randint(-60, w - 60), rng.randint(-60, h - 60)
        s = rng.randint(60, 220)
        shape = rng.choice(("ellipse", "rect", "triangle"))
        if shape == "ellipse":
            d.ellipse((x, y, x + s, y + int(s * rng.uniform(0.6, 1.4))), fill=colour)
        elif shape == "rect":
            d.rectangle((x, y, x + s, y + int(s * rng.uniform(0.5, 1.2))), fill=colour)
        else:
            d.polygon([(x, y + s), (x + s // 2, y), (x + s, y + s)], fill=colour)
    return img


def _certificate() -> Any:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1400, 1000), (252, 249, 238))
    d = ImageDraw.Draw(img)
    d.rectangle((30, 30, 1370, 970), outline=(170, 120, 20), width=14)
    d.ellipse((1130, 90, 1300, 260), fill=(240, 190, 40))
    for (line, y, size) in zip(CERTIFICATE_LINES, (150, 420, 680), (84, 96, 76), strict=True):
        d.text((120, y), line, fill=(20, 20, 60) if y != 680 else (20, 40, 130), font=_font(size))
    return img


def _gps_exif() -> bytes:
    from classifiers.images.exif_write import gps_exif_bytes

    return gps_exif_bytes(*GPS_POSITION)


def _face() -> Any:
    from PIL import Image
    from skimage import data

    return Image.fromarray(data.astronaut())


def render(name: str) -> bytes:
    """The JPEG for ``name`` (without ``.jpg``), rendered once and cached."""
    with _cache_lock:
        hit = _cache.get(name)
    if hit is not None:
        return hit
    if name.startswith("certificate"):
        data = _jpeg(_certificate())
    elif name.startswith("face"):
        data = _jpeg(_face())
    elif name.endswith("-gps"):
        data = _jpeg(_activity(name), exif=_gps_exif())
    else:
        data = _jpeg(_activity(name))
    with _cache_lock:
        return _cache.setdefault(name, data)


def warm(names: Iterable[str]) -> None:
    for name in names:
        render(name)


class MediaFake(PlatformFake):
    """``/media``: the photo files; no authentication, the failure switches apply."""

    name = "media"

    def routes(self) -> list[Route]:
        return [Route("GET", re.compile(r"^/(?P<name>[a-z0-9][a-z0-9-]{0,80})\.jpg$"), self.file)]

    def failure(self, kind: str, opts: dict[str, Any]) -> FakeResponse:
        return FakeResponse(int(opts.get("status", 503)), b"unavailable", {"content-type": "text/plain"})

    def file(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        data = render(m["name"])
        return FakeResponse(200, data, {"content-type": "image/jpeg", "cache-control": "max-age=86400"})
