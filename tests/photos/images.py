"""Real image files made by the tests: text drawn with DejaVu, EXIF GPS via piexif,
public-domain faces from scikit-image's sample data, and hostile files."""

from __future__ import annotations

import io
import struct
import zlib
from functools import lru_cache

import matplotlib
import numpy as np
import piexif
from PIL import Image, ImageDraw, ImageFont


@lru_cache(maxsize=8)
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(matplotlib.get_data_path() + "/fonts/ttf/DejaVuSans.ttf", size)


def jpeg(img: Image.Image, quality: int = 90, exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality, **({"exif": exif} if exif else {}))
    return buf.getvalue()


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def certificate(name: str = "Amelia Hartley", school: str | None = "Oakfield Primary") -> Image.Image:
    """A certificate with a child's name (and a school) in large printed letters."""
    img = Image.new("RGB", (1400, 1000), (250, 248, 240))
    d = ImageDraw.Draw(img)
    d.rectangle((30, 30, 1370, 970), outline=(120, 90, 20), width=12)
    d.text((150, 120), "Certificate of Achievement", fill="black", font=font(72))
    d.text((150, 360), f"Awarded to {name}", fill="black", font=font(72))
    if school:
        d.text((150, 600), school, fill=(20, 30, 120), font=font(72))
    return img


def plain_scene(seed: int = 1, size: tuple[int, int] = (800, 600)) -> Image.Image:
    """A textured picture with no face and no text (smooth noise, different per seed)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (size[1] // 40, size[0] // 40, 3), dtype=np.uint8)
    return Image.fromarray(small).resize(size, Image.Resampling.BICUBIC)


@lru_cache(maxsize=1)
def astronaut() -> Image.Image:
    """Eileen Collins (NASA, public domain), as scikit-image ships it: one clear face."""
    from skimage import data

    return Image.fromarray(data.astronaut())


def group_photo() -> Image.Image:
    """Four copies of the astronaut side by side: four faces."""
    a = astronaut().resize((400, 400))
    out = Image.new("RGB", (1600, 400))
    for i in range(4):
        out.paste(a, (i * 400, 0))
    return out


def gps_exif(lat: float = 51.5034, lon: float = -0.1276, *, artist: str | None = None,
             owner: str | None = None) -> bytes:
    def dms(v: float) -> tuple[tuple[int, int], ...]:
        v = abs(v)
        d = int(v)
        m = int((v - d) * 60)
        s = round(((v - d) * 60 - m) * 60 * 100)
        return ((d, 1), (m, 1), (s, 100))

    zeroth: dict[int, object] = {piexif.ImageIFD.Make: b"Phone", piexif.ImageIFD.Model: b"X1"}
    if artist:
        zeroth[piexif.ImageIFD.Artist] = artist.encode()
    exif_ifd: dict[int, object] = {piexif.ExifIFD.DateTimeOriginal: b"2026:11:20 15:04:05"}
    if owner:
        exif_ifd[piexif.ExifIFD.CameraOwnerName] = owner.encode()
        exif_ifd[piexif.ExifIFD.BodySerialNumber] = b"SN123456"
    gps = {piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
           piexif.GPSIFD.GPSLatitude: dms(lat),
           piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
           piexif.GPSIFD.GPSLongitude: dms(lon)}
    return piexif.dump({"0th": zeroth, "Exif": exif_ifd, "GPS": gps})


def bomb_png(side: int = 30000) -> bytes:
    """A ~100 KB PNG declaring side x side pixels (900 MP): a decompression bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\x00" * (side // 8)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def truncated_jpeg() -> bytes:
    data = jpeg(astronaut())
    return data[: len(data) // 2]


def polyglot_html_jpeg() -> bytes:
    """JPEG magic bytes followed by an HTML page with a script: sniffs as JPEG, isn't one."""
    return b"\xff\xd8\xff\xe0" + b"<html><script>alert(1)</script></html>" * 50


def polyglot_jpeg_zip() -> bytes:
    """A valid JPEG with a ZIP archive appended (decoders read the JPEG, unzip the rest)."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("payload.sh", "echo owned")
    return jpeg(plain_scene(3)) + buf.getvalue()


def huge_png(side: int = 1500) -> bytes:
    """A noise PNG of several MB (incompressible): over a small byte limit."""
    rng = np.random.default_rng(7)
    return png(Image.fromarray(rng.integers(0, 255, (side, side, 3), dtype=np.uint8)))
