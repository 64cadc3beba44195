"""The encoder runs the faster signed int8 kernels only where they compute exactly.

The shipped weights are unsigned because signed ones saturate on CPUs without VNNI
(``test_export.py``). Where a probe product comes back exact, the loader shifts them back
to signed in memory, which onnxruntime multiplies about 1.7 times faster on VNNI CPUs:
the scores must then be the very same numbers, not merely close ones.
"""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto

from classifiers.encoder import ARTEFACT_DIR, EncoderRuntime, item_input
from classifiers.int8_weights import (
    ENV,
    matmul_weight_names,
    model_for_this_cpu,
    probe_model,
    shift_weights,
    signed_products_exact,
    weight_form,
    weight_form_setting,
)
from tests.classifiers.conftest import DOMAIN_DEV


def _saturating_pairs(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """uint8 × int8 as ``vpmaddubsw`` computes it: pair sums clipped to 16 bits."""
    prods = a.astype(np.int64)[:, :, None] * w.astype(np.int64)[None, :, :]
    pairs = np.clip(prods[:, 0::2, :] + prods[:, 1::2, :], -32768, 32767)
    return pairs.sum(axis=1)


def test_the_probe_catches_a_kernel_that_saturates_in_either_direction() -> None:
    model, a, exact = probe_model()
    w = onnx.numpy_helper.to_array(
        next(t for t in onnx.load_from_string(model).graph.initializer if t.name == "w"))
    saturated = _saturating_pairs(a, w)
    assert saturated[0, 0] < exact[0, 0]  # 255·127 + 255·127 overflows upwards
    assert saturated[0, 1] > exact[0, 1]  # 255·-128 + 255·-128 overflows downwards
    assert (_saturating_pairs(a, w.astype(np.int16).clip(-1, 1).astype(np.int8))
            == a.astype(np.int64) @ w.clip(-1, 1).astype(np.int64)).all()  # small ones do not


def test_shifting_the_weights_is_exact_both_ways() -> None:
    model = onnx.load(str(ARTEFACT_DIR / "model.int8.onnx"))
    names = matmul_weight_names(model)
    before = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer
              if t.name in names}
    assert shift_weights(model, signed=True) == len(before) >= 48
    after = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer
             if t.name in names}
    assert {a.dtype for a in after.values()} == {np.dtype(np.int8)}
    for name, arr in before.items():
        assert (after[name].astype(np.int16) + 128 == arr.astype(np.int16)).all()
    assert shift_weights(model, signed=True) == 0  # already signed: nothing to do
    assert shift_weights(model, signed=False) == len(before)
    for t in model.graph.initializer:
        if t.name in names:
            assert t.data_type == TensorProto.UINT8
            assert (onnx.numpy_helper.to_array(t) == before[t.name]).all()


def test_the_loader_takes_the_signed_form_exactly_where_the_probe_is_exact() -> None:
    _, form = model_for_this_cpu(str(ARTEFACT_DIR / "model.int8.onnx"))
    assert form == ("signed" if signed_products_exact() else "unsigned")
    _, forced = model_for_this_cpu(str(ARTEFACT_DIR / "model.int8.onnx"), "unsigned")
    assert forced == "unsigned"


@pytest.fixture(scope="module")
def dev_inputs() -> list[tuple[str, str | None, str]]:
    rows = [json.loads(line) for line in DOMAIN_DEV.read_text().splitlines() if line.strip()]
    return [item_input(r) for r in rows[:160]]


def test_scores_and_spans_are_identical_in_the_form_this_cpu_loads(
        dev_inputs: list[tuple[str, str | None, str]]) -> None:
    shipped = EncoderRuntime(weights="unsigned")
    loaded = EncoderRuntime()  # auto: signed where exact
    assert shipped.weight_form == "unsigned"
    a, b = shipped.run(dev_inputs), loaded.run(dev_inputs)
    assert [r.probs for r in a] == [r.probs for r in b]
    assert [(r.spans, r.persons) for r in a] == [(r.spans, r.persons) for r in b]


def test_the_weight_form_can_be_forced_for_a_block_and_a_typo_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert weight_form_setting() == "auto"
    with weight_form("unsigned"):
        assert weight_form_setting() == "unsigned"
    assert weight_form_setting() == "auto"
    monkeypatch.setenv(ENV, "int4")
    with pytest.raises(ValueError, match="SAFEGUARD_INT8_WEIGHTS must be one of auto, signed"):
        weight_form_setting()
