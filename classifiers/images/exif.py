"""What an image file says about itself: GPS position, who owns the camera, when.

A phone photo carries the exact place it was taken (often a child's home or the
setting's garden) in its EXIF GPS tags; most platforms strip them, but WordPress media
and direct uploads often do not, and a draft checked before posting always has them.

Only the presence and the field names go into evidence spans; the coordinates are
rounded to about 1 km in the span detail so a finding does not itself store a home
address.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PIL import Image

# EXIF tag ids (Pillow's ``getexif`` / ``get_ifd``)
_IFD_EXIF, _IFD_GPS = 0x8769, 0x8825
_ARTIST, _COPYRIGHT, _MAKE, _MODEL, _DATETIME = 0x013B, 0x8298, 0x010F, 0x0110, 0x0132
_OWNER, _BODY_SERIAL, _DATETIME_ORIGINAL = 0xA430, 0xA431, 0x9003
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4


@dataclass(frozen=True)
class Metadata:
    gps: tuple[float, float] | None = None  # (lat, lon) in degrees
    people: dict[str, str] = field(default_factory=dict)  # Artist, CameraOwnerName, Copyright
    device: dict[str, str] = field(default_factory=dict)  # Make, Model, BodySerialNumber
    taken_at: str | None = None  # DateTimeOriginal as written


def _ratio(v: Any) -> float:
    if isinstance(v, tuple) and len(v) == 2:
        return float(v[0]) / float(v[1]) if v[1] else 0.0
    return float(v)


def _dms(values: Any, ref: Any) -> float | None:
    try:
        d, m, s = (_ratio(x) for x in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    deg = d + m / 60 + s / 3600
    ref_s = ref.decode() if isinstance(ref, bytes) else str(ref or "")
    return -deg if ref_s.strip().upper() in ("S", "W") else deg


def _text(v: Any) -> str | None:
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    s = str(v).strip("\x00 \t\r\n") if v is not None else ""
    return s or None


def read_metadata(img: Image.Image) -> Metadata:
    """Metadata of a decoded image; a malformed EXIF block gives an empty result."""
    try:
        exif = img.getexif()
        gps_ifd = exif.get_ifd(_IFD_GPS) if exif else {}
        exif_ifd = exif.get_ifd(_IFD_EXIF) if exif else {}
    except Exception:  # noqa: BLE001 - hostile EXIF must not stop the other checks
        return Metadata()
    gps = None
    if gps_ifd and _GPS_LAT in gps_ifd and _GPS_LON in gps_ifd:
        lat = _dms(gps_ifd[_GPS_LAT], gps_ifd.get(_GPS_LAT_REF))
        lon = _dms(gps_ifd[_GPS_LON], gps_ifd.get(_GPS_LON_REF))
        if lat is not None and lon is not None and (lat, lon) != (0.0, 0.0) \
                and -90 <= lat <= 90 and -180 <= lon <= 180:
            gps = (lat, lon)
    people = {k: t for k, tag, src in (("Artist", _ARTIST, exif), ("Copyright", _COPYRIGHT, exif),
                                        ("CameraOwnerName", _OWNER, exif_ifd))
              if src and (t := _text(src.get(tag)))}
    device = {k: t for k, tag, src in (("Make", _MAKE, exif), ("Model", _MODEL, exif),
                                        ("BodySerialNumber", _BODY_SERIAL, exif_ifd))
              if src and (t := _text(src.get(tag)))}
    taken = _text(exif_ifd.get(_DATETIME_ORIGINAL)) if exif_ifd else None
    taken = taken or (_text(exif.get(_DATETIME)) if exif else None)
    return Metadata(gps=gps, people=people, device=device, taken_at=taken)
