"""How the encoder spends two cores: per-row artefacts run one model call per core at once.

A per-row artefact scores an item the same in any batch (``test_export.py``), so the run
time may choose the batch shape for speed: calls of 16 items, two at a time on one core
each. A per-batch artefact keeps the shape it was calibrated with: one call of 64 items
at a time, every core inside it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from classifiers.encoder import (
    ARTEFACT_DIR,
    BATCH,
    BATCH_PER_ROW,
    EncoderRuntime,
    item_input,
)
from tests.classifiers.conftest import DOMAIN_DEV


def _dev_items(n: int) -> list[tuple[str, str | None, str]]:
    rows = [json.loads(line) for line in DOMAIN_DEV.read_text().splitlines() if line.strip()]
    return [item_input(r) for r in rows[:n]]


def test_calls_running_at_once_score_exactly_as_calls_one_at_a_time() -> None:
    runtime = EncoderRuntime()
    assert json.loads((ARTEFACT_DIR / "config.json").read_text())["activations"] == "per-row"
    assert (runtime.batch, runtime.streams) == (BATCH_PER_ROW, 2)
    items = _dev_items(200)  # thirteen calls, so both streams work

    concurrent = runtime.run(items)
    runtime._pool = None  # the same session, one call at a time
    sequential = runtime.run(list(reversed(items)))[::-1]

    for a, b in zip(concurrent, sequential):
        assert max(abs(a.probs[h] - b.probs[h]) for h in a.probs) < 1e-6
        assert (a.spans, a.persons) == (b.spans, b.persons)


def test_a_per_batch_artefact_keeps_the_batch_shape_it_was_calibrated_with(
        tmp_path: Path) -> None:
    copy = tmp_path / "encoder"
    shutil.copytree(ARTEFACT_DIR, copy)
    config = json.loads((copy / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps({**config, "activations": "per-batch"}))
    runtime = EncoderRuntime(copy)
    assert (runtime.batch, runtime.streams) == (BATCH, 1)
    assert runtime.session.get_session_options().intra_op_num_threads == 2
    assert len(runtime.run(_dev_items(70))) == 70
