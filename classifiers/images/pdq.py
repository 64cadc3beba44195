"""PDQ perceptual hashes: computing them, comparing them, and searching many quickly.

PDQ (Facebook's photo hash, via ``pdqhash``) gives 256 bits per image and a quality
score 0..100. Near-identical images (a re-post, a resize, a re-encode, a mild crop) are a
few bits apart; unrelated photos are about 128 bits apart.

Why a threshold of 31? It is the value ThreatExchange recommends for PDQ matching (≤ 31
of 256 bits differ). Measured on scikit-image's sample photos: a resize to 1/3 is 12-18
bits away, a JPEG re-encode a few bits; unrelated photos are over 100 bits apart. A hash
of quality below ``MIN_QUALITY`` (flat or nearly blank images) is not trusted.

Crops are PDQ's weak point: cutting 2 % off each side already moves a hash 34-58 bits.
So a picture that may need approving (one with faces) also gets *variant* hashes: the
hashes of the crops a re-post typically makes (centre 90 % and 80 %; the platforms'
square, 4:5 and 16:9 re-crops; 10 % off any one side). An approval or a child link
stores them all, and a re-post matches if its own hash is within the threshold of any.
Crops other than these (an off-centre 5 % trim) are not recognised: a known limit.

Why a plain numpy scan and not a BK-tree? 100,000 hashes are 3.2 MB of uint64 words; an
XOR and a popcount over all of them takes about a millisecond, is exact, and needs no
rebuilding when a hash is added. See ``safeguard bench images`` for the figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pdqhash
from PIL import Image

MATCH_THRESHOLD = 31  # bits of 256 (ThreatExchange's recommended PDQ match distance)
MIN_QUALITY = 50  # below this PDQ says the hash is unreliable (flat images)
_MAX_SIDE = 512  # PDQ works on a 64x64 downsample; hashing a smaller copy is equivalent


@dataclass(frozen=True, slots=True)
class PdqHash:
    hex: str  # 64 hex digits, most significant bit first
    quality: int


def compute(img: Image.Image) -> PdqHash:
    """The PDQ hash of an image (any mode, any size)."""
    rgb = img.convert("RGB")
    if max(rgb.size) > _MAX_SIDE:
        rgb = rgb.copy()
        rgb.thumbnail((_MAX_SIDE, _MAX_SIDE), Image.Resampling.BILINEAR)
    bits, quality = pdqhash.compute(np.asarray(rgb))
    return PdqHash(hex=bits_to_hex(bits), quality=int(quality))


def _crop_boxes(w: int, h: int) -> list[tuple[int, int, int, int]]:
    boxes = []
    for s in (0.9, 0.8):
        cw, ch = int(w * s), int(h * s)
        boxes.append(((w - cw) // 2, (h - ch) // 2, (w - cw) // 2 + cw, (h - ch) // 2 + ch))
    for r in (1.0, 0.8, 16 / 9, 9 / 16):
        if abs(w / h - r) < 0.05:
            continue
        cw, ch = (int(h * r), h) if w / h > r else (w, int(w / r))
        boxes.append(((w - cw) // 2, (h - ch) // 2, (w - cw) // 2 + cw, (h - ch) // 2 + ch))
    dx, dy = int(w * 0.1), int(h * 0.1)
    boxes += [(dx, 0, w, h), (0, 0, w - dx, h), (0, dy, w, h), (0, 0, w, h - dy)]
    return boxes


def variant_hashes(img: Image.Image) -> list[str]:
    """Hashes of the crops a re-post typically makes (see the module docstring)."""
    rgb = img.convert("RGB")
    if max(rgb.size) > _MAX_SIDE:
        rgb = rgb.copy()
        rgb.thumbnail((_MAX_SIDE, _MAX_SIDE), Image.Resampling.BILINEAR)
    out: list[str] = []
    for box in _crop_boxes(*rgb.size):
        bits, quality = pdqhash.compute(np.asarray(rgb.crop(box)))
        h = bits_to_hex(bits)
        if quality >= MIN_QUALITY and h not in out:
            out.append(h)
    return out


def bits_to_hex(bits: np.ndarray) -> str:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def hex_to_words(hexes: list[str] | tuple[str, ...]) -> np.ndarray:
    """(n, 4) uint64 words, for fast XOR + popcount."""
    if not hexes:
        return np.zeros((0, 4), dtype=np.uint64)
    raw = np.frombuffer(b"".join(bytes.fromhex(h) for h in hexes), dtype=">u8")
    return raw.astype(np.uint64).reshape(-1, 4)


def distance(a: str, b: str) -> int:
    """Hamming distance between two hex hashes (0..256)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


class PdqIndex:
    """Exact nearest-hash search: every stored hash within ``threshold`` of a query.

    ``values`` carry whatever the caller needs back (an approval id, a roster child id).
    The hashes are stored as four contiguous columns of uint64 words: per query, four
    XORs and four popcounts over contiguous arrays, with no per-row reduction.
    """

    def __init__(self, entries: list[tuple[str, object]] | None = None) -> None:
        entries = entries or []
        self.hexes = [h for h, _ in entries]
        self.values = [v for _, v in entries]
        self._cols = np.ascontiguousarray(hex_to_words(self.hexes).T)  # (4, n)

    def __len__(self) -> int:
        return len(self.hexes)

    def add(self, hex_hash: str, value: object) -> None:
        self.hexes.append(hex_hash)
        self.values.append(value)
        self._cols = np.ascontiguousarray(np.hstack([self._cols, hex_to_words([hex_hash]).T]))

    def distances(self, hex_hash: str) -> np.ndarray:
        q = hex_to_words([hex_hash])[0]
        d = np.bitwise_count(self._cols[0] ^ q[0]).astype(np.uint16)
        for k in (1, 2, 3):
            d += np.bitwise_count(self._cols[k] ^ q[k])
        return d

    def search(self, hex_hash: str, threshold: int = MATCH_THRESHOLD) -> list[tuple[int, object]]:
        """(distance, value) of every entry within ``threshold``, nearest first."""
        if not self.hexes:
            return []
        d = self.distances(hex_hash)
        idx = np.flatnonzero(d <= threshold)
        return sorted(((int(d[i]), self.values[i]) for i in idx), key=lambda t: t[0])
