"""The exported graph computes the same on every CPU.

onnxruntime multiplies uint8 activations by int8 weights with ``vpmaddubsw`` on x86 CPUs
without AVX-512 VNNI; its 16-bit pair sums saturate, and the shipped model then scored
differently by host (dev safeguarding recall 0.923 on one, 0.897 on another). Weights are
therefore stored unsigned, which takes kernels that never saturate.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from classifiers.encoder import ARTEFACT_DIR
from classifiers.training.export import unsigned_weights


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
