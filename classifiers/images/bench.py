"""``safeguard bench images``: throughput of the photo checks and of PDQ look-ups.

Photos are generated locally (no network, no data set): 1-12 megapixels, each a
textured background with, for some, the astronaut's face (scikit-image sample data)
pasted in and a printed name label drawn, then JPEG-encoded with EXIF GPS on some.
Generation is not timed; what is timed is what the pipeline does per picture: decode
under the bomb limit, EXIF, PDQ, faces and OCR (the text classifiers on the OCR output
are not included: they are benchmarked by ``bench classify``).

Why a pool of 24 encoded pictures, cycled? Drawing and encoding a 12 MP JPEG costs
about as much as checking it, and ``analyse_bytes`` caches nothing, so a repeated file
costs the same as a new one. Keeping the pool as JPEG bytes (not decoded pictures) keeps
the peak RSS about the checks, not about the generator.
"""

from __future__ import annotations

import io
import random
import resource
import time

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from classifiers.images.pdq import PdqIndex
from classifiers.images.runtime import ImageRuntime

_POOL = 24


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        import matplotlib

        return ImageFont.truetype(matplotlib.get_data_path() + "/fonts/ttf/DejaVuSans.ttf", size)
    except (ImportError, OSError):
        return ImageFont.load_default()


def _base(rng: random.Random, megapixels: float) -> Image.Image:
    w = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    h = int(w * 3 / 4)
    nprng = np.random.default_rng(rng.randrange(1 << 30))
    small = nprng.integers(0, 255, (max(2, h // 64), max(2, w // 64), 3), dtype=np.uint8)
    img = Image.fromarray(small).resize((w, h), Image.Resampling.BILINEAR)
    if rng.random() < 0.6:
        from skimage import data

        face = Image.fromarray(data.astronaut()).resize((w // 3, w // 3))
        img.paste(face, (rng.randrange(0, w - w // 3), rng.randrange(0, max(1, h - w // 3))))
    return img


def _variant(rng: random.Random, base: Image.Image, i: int) -> bytes:
    img = base.copy()
    if rng.random() < 0.5:
        d = ImageDraw.Draw(img)
        size = max(24, base.width // 30)
        d.rectangle((10, 10, 10 + size * 12, 10 + size * 2), fill="white")
        d.text((20, 15), f"Peg {i}: Amelia Hartley", fill="black", font=_font(size))
    buf = io.BytesIO()
    exif = None
    if rng.random() < 0.3:
        from classifiers.images.exif_write import gps_exif_bytes

        exif = gps_exif_bytes(51.5 + rng.random() / 10, -0.12)
    img.save(buf, "JPEG", quality=rng.choice((70, 80, 90)), **({"exif": exif} if exif else {}))
    return buf.getvalue()


def run_bench(*, n: int = 1000, hashes: int = 100_000, lookups: int = 2000, ocr: bool = True,
              seed: int = 1) -> str:
    rng = random.Random(seed)
    runtime = ImageRuntime(workers=1)
    runtime.want("metadata", "faces", "pdq", *(("ocr",) if ocr else ()))
    pool = []
    for k in range(min(_POOL, n)):
        base = _base(rng, 1 + 11 * k / max(1, _POOL - 1))
        pool.append((_variant(rng, base, k), base.width * base.height / 1e6))
        del base
    times: list[float] = []
    steps: dict[str, float] = {}
    megapixels = 0.0
    start = time.perf_counter()
    for i in range(n):
        data, mp = pool[i % len(pool)]
        t = time.perf_counter()
        facts = runtime.analyse_bytes(data, name=f"bench-{i}.jpg")
        times.append(time.perf_counter() - t)
        for step, secs in facts[0].timings.items():
            steps[step] = steps.get(step, 0.0) + secs
        megapixels += mp
    checked = sum(times)
    del pool
    p95 = float(np.percentile(times, 95)) * 1000 if times else 0.0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    nprng = np.random.default_rng(seed)
    stored = [nprng.bytes(32).hex() for _ in range(hashes)]
    index = PdqIndex([(h, k) for k, h in enumerate(stored)])
    queries = [stored[k] if k % 2 else nprng.bytes(32).hex()
               for k in nprng.integers(0, hashes, lookups)]
    t = time.perf_counter()
    for q in queries:
        index.search(q)
    lookup_s = time.perf_counter() - t
    wall = time.perf_counter() - start
    mean = ", ".join(f"{k} {v / n * 1000:.0f}" for k, v in steps.items())
    return (f"images: {n / checked:.2f} images/s ({megapixels / n:.1f} MP mean, "
            f"{'with' if ocr else 'without'} OCR; mean ms: {mean}), p95 {p95:.0f} ms, "
            f"peak RSS {rss_mb:.0f} MB; "
            f"pdq lookup: {lookups / lookup_s:.0f} lookups/s over {hashes} hashes "
            f"(wall {wall:.0f} s)")
