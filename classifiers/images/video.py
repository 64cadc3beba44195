"""Frames from a video for the photo checks: one every few seconds, plus scene changes.

A video is checked as a handful of still pictures: a frame every ``EVERY_S`` seconds
and any frame whose colour histogram differs sharply from the last kept one (a scene
change, where a new face or a new sign appears), at most ``MAX_FRAMES``. The caption
is the item's text and goes through the text classifiers as usual.

Why OpenCV's ``VideoCapture``? The opencv-python-headless wheel bundles FFmpeg
(``cv2.getBuildInformation()`` shows ``FFMPEG: YES``), so MP4/H.264, WebM and MJPEG
AVI decode with no Debian package. ``VideoCapture`` reads only from a file, so the
bytes go to a private temporary file that is deleted at once.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator

import numpy as np
from PIL import Image

from monitor.media import MediaTooLarge, MediaUndecodable

EVERY_S = 3.0
MAX_FRAMES = 12
SCENE_CHANGE = 0.45  # Bhattacharyya distance between HSV histograms
MAX_DURATION_S = 30 * 60
MAX_FRAME_PIXELS = 4096 * 2304
DECODE_BUDGET_S = 30.0


def _hist(frame: np.ndarray) -> np.ndarray:
    import cv2

    small = cv2.resize(frame, (160, 90))
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    h = cv2.calcHist([hsv], [0, 1], None, [16, 8], [0, 180, 0, 256])
    return cv2.normalize(h, h).flatten()


def sample_frames(data: bytes, *, every_s: float = EVERY_S,
                  max_frames: int = MAX_FRAMES) -> list[tuple[int, Image.Image]]:
    """(time in ms, RGB frame) pairs; raises MediaUndecodable for an unreadable video."""
    fd, path = tempfile.mkstemp(suffix=".video")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return list(_frames(path, every_s, max_frames))
    finally:
        os.unlink(path)


def _frames(path: str, every_s: float, max_frames: int) -> Iterator[tuple[int, Image.Image]]:
    import cv2

    cap = cv2.VideoCapture(path)
    try:
        if not cap.isOpened():
            raise MediaUndecodable("video could not be opened")
        fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
        fps = fps if 0 < fps < 240 else 25.0
        w, h = cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)
        if w * h > MAX_FRAME_PIXELS:
            raise MediaTooLarge(f"video frames of {int(w)}x{int(h)} are over the limit")
        step = max(1, round(fps * every_s))
        kept, last, index = 0, None, 0
        start = time.monotonic()
        max_index = int(fps * MAX_DURATION_S)
        while kept < max_frames and index < max_index:
            if time.monotonic() - start > DECODE_BUDGET_S:
                break
            ok = cap.grab()
            if not ok:
                break
            periodic = index % step == 0
            # scene changes are looked for four times a second, not on every frame
            probe = periodic or index % max(1, int(fps / 4)) == 0
            if probe:
                ok, frame = cap.retrieve()
                if not ok or frame is None:
                    break
                hist = _hist(frame)
                changed = last is not None and cv2.compareHist(
                    last, hist, cv2.HISTCMP_BHATTACHARYYA) > SCENE_CHANGE
                if periodic or changed:
                    last = hist
                    kept += 1
                    rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
                    yield int(index * 1000 / fps), Image.fromarray(rgb)
            index += 1
        if kept == 0:
            raise MediaUndecodable("video has no decodable frame")
    finally:
        cap.release()
