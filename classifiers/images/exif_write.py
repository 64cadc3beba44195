"""Writing EXIF GPS (piexif): for the benchmark's generated photos and for tests."""

from __future__ import annotations

import piexif


def _dms(v: float) -> tuple[tuple[int, int], ...]:
    v = abs(v)
    d = int(v)
    m = int((v - d) * 60)
    s = round(((v - d) * 60 - m) * 60 * 100)
    return ((d, 1), (m, 1), (s, 100))


def gps_exif_bytes(lat: float, lon: float) -> bytes:
    """An EXIF block with a GPS position, as a phone camera writes it."""
    gps = {piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
           piexif.GPSIFD.GPSLatitude: _dms(lat),
           piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
           piexif.GPSIFD.GPSLongitude: _dms(lon)}
    return piexif.dump({"0th": {}, "Exif": {}, "GPS": gps})
