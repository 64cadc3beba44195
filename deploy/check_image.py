"""Build-time checks of the runtime environment (run by deploy/Dockerfile).

Fails the image build if torch got in through a dependency, or if the package was
installed without its model artefacts (nothing may be fetched at run time).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    problems = []
    if "--allow-torch" not in argv:  # a developer's venv has the training extra
        for banned in ("torch", "sentence_transformers"):
            if importlib.util.find_spec(banned) is not None:
                problems.append(f"{banned} is installed in the runtime image")
    spec = importlib.util.find_spec("classifiers.encoder")
    assert spec is not None and spec.origin is not None, "classifiers is not installed"
    encoder = Path(spec.origin).parent / "artefacts" / "encoder"
    for name in ("model.int8.onnx", "tokenizer.json", "config.json"):
        if not (encoder / name).is_file():
            problems.append(f"model artefact missing from the package: {encoder / name}")
    for mod in ("onnxruntime", "tokenizers", "monitor.cli", "monitor.migrations"):
        if importlib.util.find_spec(mod) is None:
            problems.append(f"{mod} cannot be imported")
    for p in problems:
        print(f"check_image: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
