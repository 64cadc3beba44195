"""Measure the face detectors on scikit-image's sample pictures (public domain / CC0).

    python -m classifiers.images.measure_faces

Two samples have a face (``astronaut``: Eileen Collins; ``camera``: the cameraman, face
turned slightly); the others have none. Prints, per detector, faces found per sample and
the mean time per picture, so the choice in ``faces.py`` can be re-checked on any
machine. Needs scikit-image (a dev dependency).
"""

from __future__ import annotations

import time

import numpy as np
from PIL import Image

from classifiers.images.faces import _blaze, _detect_blaze, detect_faces_lbp

WITH_FACE = ("astronaut", "camera")
WITHOUT_FACE = ("coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry",
                "coins", "horse", "brick", "grass", "gravel", "colorwheel", "logo", "page",
                "text", "moon", "clock")


def _sample(name: str) -> Image.Image:
    from skimage import data

    a = getattr(data, name)()
    if a.dtype != np.uint8:
        a = (a * 255).astype(np.uint8) if a.max() <= 1 else a.astype(np.uint8)
    return Image.fromarray(a[..., :3] if a.ndim == 3 else a)


def main() -> None:
    samples = {n: _sample(n) for n in WITH_FACE + WITHOUT_FACE}
    detectors = {"lbp (scikit-image cascade)": detect_faces_lbp}
    blaze = _blaze()
    if blaze is not None:
        detectors = {"blazeface (MediaPipe full-range, OpenCV DNN)":
                     lambda img: _detect_blaze(img, *blaze), **detectors}
    for label, fn in detectors.items():
        fn(samples["astronaut"])  # warm up
        found, total = {}, 0.0
        for name, img in samples.items():
            t = time.perf_counter()
            found[name] = fn(img)
            total += time.perf_counter() - t
        hits = {n: [(f.x, f.y, f.w, f.h) for f in found[n]] for n in WITH_FACE}
        false = {n: len(found[n]) for n in WITHOUT_FACE if found[n]}
        print(f"{label}: faces in {hits}; false faces in {false or 'none'} "
              f"of {len(WITHOUT_FACE)} face-free samples; {total / len(samples) * 1000:.0f} ms/picture")


if __name__ == "__main__":
    main()
