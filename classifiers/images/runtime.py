"""One place that fetches, decodes and analyses each media file once per process.

The image classifiers (``image_metadata``, ``image_faces``, ``image_text``,
``image_consent``) all look at the same pictures. They share one :class:`ImageRuntime`,
which fetches each URL once (safely: ``monitor.media``), decodes it once, computes only
the analyses that some configured classifier asked for (``want``), keeps the small
results (:class:`ImageFacts`) in an LRU keyed by URL, and throws the pixels away.

Why keep facts and not images? A 12-megapixel photo is 36 MB decoded; the facts are a
few hundred bytes. "Only hashes and findings are kept" (issue 9): nothing here is written
to disk, and the cache holds no pixels.

A failure (refused URL, broken file, bomb, timeout) becomes an ``ImageFacts`` with
``error`` set: logged once, no finding, never an exception out of ``classify_batch``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from classifiers.images import pdq as pdqmod
from classifiers.images.consent_index import ConsentIndex, EmptyConsentIndex
from classifiers.images.exif import Metadata, read_metadata
from classifiers.images.faces import Face, detect_faces
from classifiers.images.ocr import OcrResult, read_text
from monitor.media import (
    IMAGE_TYPES,
    VIDEO_TYPES,
    FetchPolicy,
    MediaError,
    MediaFetcher,
    MediaUndecodable,
    decode_image,
    sniff,
)

log = logging.getLogger(__name__)

ANALYSES = ("metadata", "faces", "pdq", "ocr")
MAX_MEDIA_PER_ITEM = 10  # a carousel of 10 is the most a platform allows
MAX_LOCAL_BYTES = 50 * 1024 * 1024


@dataclass
class ImageFacts:
    """What the checks found in one picture (or one video frame)."""

    media: str  # the URL, or the file name for a local draft
    index: int = 0  # position in the item's media list
    frame_ms: int | None = None  # for a video frame: its time
    sha256: str | None = None
    width: int = 0
    height: int = 0
    metadata: Metadata | None = None
    faces: list[Face] | None = None
    pdq: pdqmod.PdqHash | None = None
    pdq_variants: list[str] = field(default_factory=list)  # crops a re-post makes (faces only)
    ocr: OcrResult | None = None
    error: str | None = None  # MediaError.reason when the file could not be checked
    timings: dict[str, float] = field(default_factory=dict)

    def region(self, box: dict[str, int]) -> dict[str, Any]:
        d: dict[str, Any] = {"media": self.media, "index": self.index, **box}
        if self.frame_ms is not None:
            d["frame_ms"] = self.frame_ms
        if self.pdq is not None:
            d["pdq"] = self.pdq.hex
        return d


def media_entries(media: Iterable[Any]) -> list[dict[str, Any]]:
    """Normalise an item's media list (dicts, MediaRef objects or URL strings)."""
    out: list[dict[str, Any]] = []
    for m in media:
        if isinstance(m, str):
            out.append({"url": m, "type": "image"})
        elif isinstance(m, dict):
            out.append(m)
        elif hasattr(m, "url"):
            out.append({"url": m.url, "type": getattr(m, "type", "image"), "id": getattr(m, "id", None)})
    return out[:MAX_MEDIA_PER_ITEM]


class ImageRuntime:
    """Shared fetch + analysis with a URL-keyed LRU of facts.

    ``allow_local`` lets media entries name a local file (``{"path": ...}``): only the
    check-before-posting command sets it; items from platforms never read local files.
    """

    def __init__(self, *, fetcher: MediaFetcher | None = None, consent: ConsentIndex | None = None,
                 cache_size: int = 2048, allow_local: bool = False, workers: int = 2) -> None:
        self.fetcher = fetcher or MediaFetcher(FetchPolicy())
        self.consent: ConsentIndex = consent or EmptyConsentIndex()
        self.allow_local = allow_local
        self.wanted: set[str] = {"pdq"}
        self.workers = workers
        #: seconds one classifier call may spend fetching and analysing a batch's media
        self.batch_budget = 60.0
        self._cache: OrderedDict[tuple[str, frozenset[str]], list[ImageFacts]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def want(self, *analyses: str) -> None:
        self.wanted.update(analyses)

    # -- batch entry point ---------------------------------------------------------------
    def facts_for(self, media: Sequence[Any], platform: str, *,
                  cached_only: bool = False) -> list[ImageFacts]:
        """Facts for every picture (and sampled video frame) of one item.

        ``cached_only``: past the batch's time budget, a file not yet analysed is reported
        as ``error="deferred"`` (not cached, so a later look fetches it) instead of making
        the pipeline's transaction wait longer.
        """
        out: list[ImageFacts] = []
        for i, entry in enumerate(media_entries(media)):
            if cached_only and not self._cached(entry):
                log.warning("media not checked in this batch's time budget (deferred)")
                out.append(ImageFacts(media=str(entry.get("url") or ""), index=i, error="deferred"))
                continue
            out.extend(self._entry(i, entry, platform))
        return out

    def _key(self, entry: dict[str, Any]) -> tuple[str, frozenset[str]]:
        return (str(entry.get("url") or entry.get("path") or ""), frozenset(self.wanted))

    def _cached(self, entry: dict[str, Any]) -> bool:
        with self._lock:
            return self._key(entry) in self._cache

    def prefetch(self, items: Sequence[tuple[Sequence[Any], str]], *,
                 deadline: float | None = None) -> None:
        """Analyse a batch's media on a small thread pool (network waits overlap).

        Returns at ``deadline`` (``time.monotonic()``) at the latest; work still running
        then finishes in the background and fills the cache. The daemon may also call this
        *before* claiming a batch, so that the pipeline's transaction finds everything cached.
        """
        jobs = [(i, e, platform) for media, platform in items
                for i, e in enumerate(media_entries(media)) if not self._cached(e)]
        if not jobs:
            return
        if len(jobs) == 1 and deadline is None:
            self._entry(*jobs[0])
            return
        pool = ThreadPoolExecutor(max_workers=max(1, self.workers), thread_name_prefix="media")
        futures = [pool.submit(self._entry, *j) for j in jobs]
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        wait(futures, timeout=timeout)
        pool.shutdown(wait=False, cancel_futures=True)

    # -- one media entry -----------------------------------------------------------------
    def _entry(self, index: int, entry: dict[str, Any], platform: str) -> list[ImageFacts]:
        key = self._key(entry)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return [_reindex(f, index) for f in hit]
        facts = self._analyse_entry(index, entry, platform)
        if any(f.error == "unavailable" for f in facts):
            return facts  # a timeout or a 5xx may pass: the next look tries again
        with self._lock:
            self._cache[key] = facts
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return facts

    def _read(self, entry: dict[str, Any], platform: str) -> tuple[str, bytes, str]:
        if entry.get("path") and self.allow_local:
            path = Path(str(entry["path"]))
            if path.stat().st_size > MAX_LOCAL_BYTES:
                from monitor.media import MediaTooLarge

                raise MediaTooLarge(f"{path.name} is larger than {MAX_LOCAL_BYTES} bytes")
            data = path.read_bytes()
            kind = sniff(data[:32])
            if kind is None:
                raise MediaUndecodable(f"{path.name}: unrecognised media type")
            return path.name, data, kind
        url = str(entry.get("url") or "")
        fetched = self.fetcher.fetch(url, platform, video=entry.get("type") == "video")
        return url, fetched.data, fetched.kind

    def _analyse_entry(self, index: int, entry: dict[str, Any], platform: str) -> list[ImageFacts]:
        name = str(entry.get("url") or Path(str(entry.get("path") or "")).name)
        try:
            name, data, kind = self._read(entry, platform)
            return self.analyse_bytes(data, name=name, index=index, kind=kind)
        except MediaError as err:
            log.warning("media not checked (%s): %s", err.reason, err)
            return [ImageFacts(media=name, index=index, error=err.reason)]
        except Exception as err:  # noqa: BLE001 - a hostile file must not fail the batch
            log.warning("media not checked (unexpected %s) [%s]", type(err).__name__, name[:200])
            return [ImageFacts(media=name, index=index, error="internal")]

    def analyse_bytes(self, data: bytes, *, name: str, index: int = 0,
                      kind: str | None = None) -> list[ImageFacts]:
        """Decode (picture, or sampled video frames) and analyse; raises MediaError."""
        kind = kind or sniff(data[:32])
        if kind in VIDEO_TYPES:
            from classifiers.images.video import sample_frames

            return [self.analyse_image(img, name=name, index=index, frame_ms=ms)
                    for ms, img in sample_frames(data)]
        if kind not in IMAGE_TYPES:
            raise MediaUndecodable(f"unsupported media type {kind or 'unknown'}")
        t = time.perf_counter()
        img = decode_image(data)
        decoded = time.perf_counter() - t
        facts = self.analyse_image(img, name=name, index=index,
                                   sha256=hashlib.sha256(data).hexdigest())
        facts.timings["decode"] = decoded
        return [facts]

    def analyse_image(self, img: Image.Image, *, name: str, index: int = 0,
                      frame_ms: int | None = None, sha256: str | None = None) -> ImageFacts:
        """Run the wanted analyses on a decoded picture.

        Metadata is read from the file as decoded; the other checks see the picture as a
        viewer does (EXIF orientation applied, RGB), so regions match what is displayed.
        Each step is isolated: a failure in one (logged) leaves the others' results.
        """
        f = ImageFacts(media=name, index=index, frame_ms=frame_ms, sha256=sha256)
        if "metadata" in self.wanted:
            self._step(f, "metadata", read_metadata, img)
        shown = self._displayed(img)
        f.width, f.height = shown.size
        for attr, fn in (("pdq", pdqmod.compute), ("faces", detect_faces), ("ocr", read_text)):
            if attr in self.wanted:
                self._step(f, attr, fn, shown)
        if f.faces and f.pdq is not None:
            # only a picture with faces may need approving or linking to a child
            self._step(f, "pdq_variants", pdqmod.variant_hashes, shown)
        return f

    @staticmethod
    def _displayed(img: Image.Image) -> Image.Image:
        try:
            shown = ImageOps.exif_transpose(img) or img
        except Exception:  # noqa: BLE001 - a broken orientation tag: use the pixels as stored
            shown = img
        return shown if shown.mode in ("RGB", "L") else shown.convert("RGB")

    @staticmethod
    def _step(f: ImageFacts, attr: str, fn: Any, img: Image.Image) -> None:
        t = time.perf_counter()
        try:
            setattr(f, attr, fn(img))
        except Exception as err:  # noqa: BLE001 - one failed check must not lose the others
            log.warning("image check %s failed on %s: %s", attr, f.media[:200], type(err).__name__)
        f.timings[attr] = time.perf_counter() - t


def _reindex(f: ImageFacts, index: int) -> ImageFacts:
    if f.index == index:
        return f
    from dataclasses import replace

    return replace(f, index=index)


_shared: ImageRuntime | None = None
_shared_lock = threading.Lock()


def shared_runtime() -> ImageRuntime:
    """The process-wide runtime the registry's image classifiers use (see ``configure``)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ImageRuntime()
        return _shared


def configure(*, policy: FetchPolicy | None = None, consent: ConsentIndex | None = None) -> ImageRuntime:
    """Set the fetch policy and the consent register for the shared runtime.

    Called by the monitor at start (``monitor.consent.configure_images(engine, ...)``);
    classifiers built before or after see the same runtime object.
    """
    rt = shared_runtime()
    if policy is not None:
        rt.fetcher.close()
        rt.fetcher = MediaFetcher(policy)
    if consent is not None:
        rt.consent = consent
    with rt._lock:
        rt._cache.clear()
    return rt
