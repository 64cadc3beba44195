"""The exported graph computes the same on every CPU, and (opt-in) in every batch.

onnxruntime multiplies uint8 activations by int8 weights with ``vpmaddubsw`` on x86 CPUs
without AVX-512 VNNI; its 16-bit pair sums saturate, and the shipped model then scored
differently by host (dev safeguarding recall 0.923 on one, 0.897 on another). Weights are
therefore stored unsigned, which takes kernels that never saturate.

``quantize_dynamic`` also quantises activations with one scale per batch, so an item's
scores move with its batch-mates; ``per_row_activations`` gives each token its own scale.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from classifiers.encoder import ARTEFACT_DIR, EncoderRuntime
from classifiers.training.export import per_row_activations, unsigned_weights


def _matmul_integer_graph(path: Path, weights: np.ndarray) -> None:
    """A one-node graph: uint8 input (zero point 0) times per-column int8 weights."""
    k, n = weights.shape
    node = helper.make_node("MatMulInteger", ["a", "w", "a_zp", "w_zp"], ["y"])
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("a", TensorProto.UINT8, [None, k])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [None, n])],
        initializer=[numpy_helper.from_array(weights, "w"),
                     numpy_helper.from_array(np.array(0, dtype=np.uint8), "a_zp"),
                     numpy_helper.from_array(np.zeros(n, dtype=np.int8), "w_zp")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))


def test_unsigned_weights_give_exact_integer_products_where_signed_ones_may_saturate(
        tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    weights = rng.integers(-128, 128, size=(384, 16), dtype=np.int16).astype(np.int8)
    weights[:, 0] = 127  # 255*127 + 255*127 overflows a 16-bit pair sum
    acts = rng.integers(0, 256, size=(8, 384), dtype=np.int16).astype(np.uint8)
    acts[0] = 255
    path = tmp_path / "m.onnx"
    _matmul_integer_graph(path, weights)

    assert unsigned_weights(path) == 2  # the weights and their zero points
    model = onnx.load(str(path))
    stored = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    assert stored["w"].dtype == np.uint8 and stored["w_zp"].dtype == np.uint8
    assert (stored["w"].astype(np.int32) - stored["w_zp"].astype(np.int32)[None, :]
            == weights.astype(np.int32)).all()

    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"a": acts})[0]
    exact = acts.astype(np.int64) @ weights.astype(np.int64)
    assert (got == exact).all()
    assert got[0, 0] == 255 * 127 * 384


def test_the_shipped_model_stores_no_signed_matmul_weights() -> None:
    model = onnx.load(str(ARTEFACT_DIR / "model.int8.onnx"))
    inits = {t.name: t.data_type for t in model.graph.initializer}
    matmul_weights = [n.input[1] for n in model.graph.node if n.op_type == "MatMulInteger"]
    assert len(matmul_weights) >= 24  # four layers of six projections
    assert {inits[w] for w in matmul_weights} == {TensorProto.UINT8}


def _quantised_linear(path: Path, weights: np.ndarray) -> None:
    """``Y = X @ W`` quantised exactly as the encoder's export does it."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    k, n = weights.shape
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, n])],
        initializer=[numpy_helper.from_array(weights, "w")])
    fp32 = path.with_name("fp32.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(fp32))
    quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8, per_channel=True)
    unsigned_weights(path)


def _run(path: Path, x: np.ndarray) -> np.ndarray:
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(None, {"x": x})[0]


def test_per_row_activations_score_each_row_as_if_it_were_alone(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    w = rng.normal(0, 0.05, size=(64, 32)).astype(np.float32)
    x = rng.normal(0, 1, size=(6, 64)).astype(np.float32)
    x[5] *= 40  # one loud batch-mate
    path = tmp_path / "q.onnx"
    _quantised_linear(path, w)

    per_batch_alone = _run(path, x[:1])
    assert np.abs(_run(path, x)[0] - per_batch_alone).max() > 1e-2  # the batch-mate matters

    assert per_row_activations(path) == 1
    batched = _run(path, x)
    for i in range(len(x)):
        assert np.allclose(batched[i], _run(path, x[i:i + 1])[0], rtol=0, atol=1e-5)
    # and it is the product of each row's own uint8 quantisation with the int8 weights
    lo, hi = np.minimum(x.min(1, keepdims=True), 0), np.maximum(x.max(1, keepdims=True), 0)
    scale = (hi - lo) / 255
    zp = np.clip(np.round(-lo / scale), 0, 255)
    q = np.clip(np.round(x / scale) + zp, 0, 255)
    stored = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}
    w_q = stored["w_quantized"].astype(np.float64) - stored["w_zero_point"].astype(np.float64)
    expected = ((q - zp) @ w_q) * scale * stored["w_scale"]
    assert np.allclose(batched, expected, rtol=1e-5, atol=1e-5)
    exact = x @ w  # and still the layer it quantises, to about 1% of each row's size
    assert (np.abs(batched - exact).max(1) < 0.02 * np.abs(exact).max(1)).all()


def test_a_per_row_copy_of_the_shipped_model_scores_an_item_alike_in_any_batch(
        tmp_path: Path) -> None:
    """A webhook delivers one comment, a poll delivers a hundred: with activations per row
    the same comment gets the same scores either way. Rewriting a model that is already
    per row changes nothing, so a per-row artefact can be passed through again."""
    copy = tmp_path / "encoder"
    shutil.copytree(ARTEFACT_DIR, copy)
    shipped_per_row = json.loads((ARTEFACT_DIR / "config.json").read_text())["activations"] == "per-row"
    rewritten = per_row_activations(copy / "model.int8.onnx")
    assert rewritten == 0 if shipped_per_row else rewritten >= 24
    once = (copy / "model.int8.onnx").read_bytes()
    assert per_row_activations(copy / "model.int8.onnx") == 0
    assert (copy / "model.int8.onnx").read_bytes() == once
    runtime = EncoderRuntime(copy)
    items = [("Lovely trip to the park today!", None, "public"),
             ("you're a disgrace, sack the lot of them", "Our summer fair is on Saturday",
              "public"),
             ("he said not to tell anyone what happens at his house", None, "public"),
             ("Ring me on 07700 900123 about the booking", "Any spaces for September?",
              "public"),
             ("Please contact the Setting Manager directly about this.", None, "organisation")]
    together = runtime.run(items)
    for item, result in zip(items, together):
        alone = runtime.run([item])[0]
        assert max(abs(alone.probs[h] - result.probs[h]) for h in result.probs) < 1e-4
