"""Text in a picture (Tesseract through pytesseract), with a box for every word.

A certificate with a child's full name, a coat-peg label, a drawing signed "by Amelia",
a school sign or the crest on a jumper: the policy forbids them in a photo as much as in
a caption. The OCR text goes through the *text* classifiers (owned elsewhere), and each
character span they return is mapped back to the union of the boxes of the words it
covers, so the review page can draw the region.

Why Tesseract? It is a Debian package (``tesseract-ocr``, with ``tesseract-ocr-eng``),
needs no model download, and is good at the printed, high-contrast text that matters
here (certificates, labels, signs). It is poor at handwriting: a known gap.

Why ``--psm 11`` (sparse text)? Photos have scattered text at odd places, not a page of
paragraphs; sparse mode finds a name label in a corner that page mode drops.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from functools import lru_cache

from PIL import Image, ImageOps

log = logging.getLogger(__name__)
# Tesseract's OpenMP threads fight each other (and the pipeline) on a small machine:
# one thread per OCR call is faster in total (Tesseract's own advice for batch use).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

OCR_MAX_SIDE = 2000  # a 12 MP photo is read at this size: text a reader sees survives it
OCR_MIN_SIDE = 800  # small images are enlarged: Tesseract wants letters ~20+ px high
MIN_CONFIDENCE = 50
OCR_TIMEOUT = 20  # seconds per image


@dataclass(frozen=True, slots=True)
class Word:
    start: int  # offsets into OcrResult.text
    end: int
    x: int
    y: int
    w: int
    h: int
    conf: float


@dataclass(frozen=True)
class OcrResult:
    text: str = ""
    words: tuple[Word, ...] = field(default_factory=tuple)

    def region(self, start: int, end: int) -> dict[str, int] | None:
        """The bounding box (original pixels) of the words that ``text[start:end]`` touches."""
        hit = [w for w in self.words if w.start < end and start < w.end]
        if not hit:
            return None
        x0, y0 = min(w.x for w in hit), min(w.y for w in hit)
        x1, y1 = max(w.x + w.w for w in hit), max(w.y + w.h for w in hit)
        return {"x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0}


@lru_cache(maxsize=1)
def available() -> bool:
    """True when the ``tesseract`` binary is installed (Debian: tesseract-ocr)."""
    return shutil.which("tesseract") is not None


def read_text(img: Image.Image) -> OcrResult:
    """Words and their boxes; an empty result when Tesseract is missing or times out."""
    if not available():
        return OcrResult()
    import pytesseract

    grey = ImageOps.grayscale(img)
    scale = 1.0
    long_side = max(grey.size)
    if long_side > OCR_MAX_SIDE:
        scale = OCR_MAX_SIDE / long_side
    elif long_side < OCR_MIN_SIDE:
        scale = min(3.0, OCR_MIN_SIDE / long_side)
    if scale != 1.0:
        grey = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))),
                           Image.Resampling.BICUBIC if scale > 1 else Image.Resampling.BILINEAR)
    try:
        data = pytesseract.image_to_data(grey, config="--psm 11", output_type=pytesseract.Output.DICT,
                                         timeout=OCR_TIMEOUT)
    except (RuntimeError, pytesseract.TesseractError, OSError) as err:
        log.warning("OCR failed: %s", type(err).__name__)
        return OcrResult()
    return _assemble(data, 1.0 / scale)


def _assemble(data: dict[str, list], inv: float) -> OcrResult:
    """One line of text per Tesseract line, words separated by single spaces."""
    parts: list[str] = []
    words: list[Word] = []
    pos = 0
    last_line: tuple[int, int, int] | None = None
    for i, raw in enumerate(data.get("text", [])):
        token = (raw or "").strip()
        try:
            conf = float(data["conf"][i])
        except (TypeError, ValueError):
            conf = -1.0
        if not token or conf < MIN_CONFIDENCE:
            continue
        line = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if parts:
            sep = " " if line == last_line else "\n"
            parts.append(sep)
            pos += 1
        last_line = line
        words.append(Word(start=pos, end=pos + len(token), x=int(data["left"][i] * inv),
                          y=int(data["top"][i] * inv), w=max(1, int(data["width"][i] * inv)),
                          h=max(1, int(data["height"][i] * inv)), conf=conf))
        parts.append(token)
        pos += len(token)
    return OcrResult(text="".join(parts), words=tuple(words))
