"""PDQ perceptual hashes: computing them, comparing them, and searching many quickly.

PDQ (Facebook's photo hash, via ``pdqhash``) gives 256 bits per image and a quality
score 0..100. Near-identical images (a re-post, a resize, a re-encode, a mild crop) are a
few bits apart; unrelated photos are about 128 bits apart.

Why a threshold of 31? It is the value ThreatExchange recommends for PDQ matching (≤ 31
of 256 bits differ): the tests check that a resize, a JPEG re-encode at quality 60 and a
5 % crop of a photo stay within it and that different photos fall far outside. A hash of
quality below ``MIN_QUALITY`` (flat or nearly blank images) is not trusted for matching.

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
    """

    def __init__(self, entries: list[tuple[str, object]] | None = None) -> None:
        entries = entries or []
        self.hexes = [h for h, _ in entries]
        self.values = [v for _, v in entries]
        self._words = hex_to_words(self.hexes)

    def __len__(self) -> int:
        return len(self.hexes)

    def add(self, hex_hash: str, value: object) -> None:
        self.hexes.append(hex_hash)
        self.values.append(value)
        self._words = np.vstack([self._words, hex_to_words([hex_hash])])

    def distances(self, hex_hash: str) -> np.ndarray:
        q = hex_to_words([hex_hash])[0]
        return np.bitwise_count(self._words ^ q).sum(axis=1, dtype=np.int32)

    def search(self, hex_hash: str, threshold: int = MATCH_THRESHOLD) -> list[tuple[int, object]]:
        """(distance, value) of every entry within ``threshold``, nearest first."""
        if not self.hexes:
            return []
        d = self.distances(hex_hash)
        idx = np.nonzero(d <= threshold)[0]
        return sorted(((int(d[i]), self.values[i]) for i in idx), key=lambda t: t[0])
