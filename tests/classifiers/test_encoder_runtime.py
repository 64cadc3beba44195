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
    runtime.streams = 1  # the same session, one call at a time
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


def test_a_forked_child_gets_threads_of_its_own(tmp_path: Path) -> None:
    """A child forked after the pool was made must not wait on its parent's threads."""
    import multiprocessing

    runtime = EncoderRuntime()
    items = _dev_items(40)
    parent = [r.probs for r in runtime.run(items)]  # the pool exists now
    out = tmp_path / "child.json"

    def child() -> None:
        probs = [r.probs for r in runtime.run(list(reversed(items)))[::-1]]
        out.write_text(json.dumps(probs))

    proc = multiprocessing.get_context("fork").Process(target=child)
    proc.start()
    proc.join(timeout=60)
    if proc.is_alive():  # waiting on threads it does not have
        proc.kill()
    assert proc.exitcode == 0
    for a, b in zip(parent, json.loads(out.read_text())):
        assert max(abs(a[h] - b[h]) for h in a) < 1e-6
