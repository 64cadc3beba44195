"""Which form of the int8 weights this CPU multiplies exactly, and fastest.

The shipped encoder stores its int8 ``MatMulInteger`` weights unsigned (uint8 + 128,
``export.unsigned_weights``): on x86 CPUs without VNNI, onnxruntime multiplies uint8
activations by *signed* weights with ``vpmaddubsw``, whose 16-bit pair sums saturate, so
the signed form scored differently by host. The unsigned form takes u8u8 kernels that
never saturate — but on CPUs with VNNI (``vpdpbusd``, no 16-bit step) the u8s8 kernels are
both exact and about 1.7 times faster for the whole encoder (``safeguard bench classify``
on a 2-core AVX-512 VNNI host).

So the loader asks the CPU rather than a flags table: :func:`signed_products_exact` runs a
one-product graph built to saturate a 16-bit pair sum in both directions. Where it comes
back exact, the weights are shifted back to signed in memory (exact:
``(w + 128) - (zp + 128) == w - zp``) and the faster kernels run with the same integer
products; anywhere else the shipped unsigned form runs unchanged.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from typing import Any, Literal, cast

import numpy as np

#: ``auto`` asks the CPU; ``signed``/``unsigned`` force a form (tests, diagnosis).
WeightForm = Literal["auto", "signed", "unsigned"]
WEIGHT_FORMS: tuple[WeightForm, ...] = ("auto", "signed", "unsigned")
#: Environment variable that overrides ``auto`` for every encoder in the process.
ENV = "SAFEGUARD_INT8_WEIGHTS"


def weight_form_setting() -> WeightForm:
    """The form asked for in ``SAFEGUARD_INT8_WEIGHTS`` (default ``auto``)."""
    value = os.environ.get(ENV, "auto").strip().lower() or "auto"
    if value not in WEIGHT_FORMS:
        raise ValueError(f"{ENV} must be one of {', '.join(WEIGHT_FORMS)}, not {value!r}")
    return cast(WeightForm, value)


@contextlib.contextmanager
def weight_form(form: WeightForm) -> Iterator[None]:
    """Encoders loaded inside this block use ``form`` (``bench classify --weights``)."""
    before = os.environ.get(ENV)
    os.environ[ENV] = form
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = before


def matmul_weight_names(model: Any) -> set[str]:
    """Initializer names of every ``MatMulInteger`` weight and weight zero point."""
    return {n.input[k] for n in model.graph.node if n.op_type == "MatMulInteger"
            for k in (1, 3) if len(n.input) > k and n.input[k]}


def shift_weights(model: Any, signed: bool) -> int:
    """Store every ``MatMulInteger`` weight as int8 (``signed``) or uint8 + 128, in place.

    Returns how many tensors changed (weights and their zero points together). Exact both
    ways: the dequantised value ``w - zp`` of every weight is unchanged.
    """
    from onnx import TensorProto, numpy_helper

    src, dst = (TensorProto.UINT8, np.int8) if signed else (TensorProto.INT8, np.uint8)
    delta = -128 if signed else 128
    names = matmul_weight_names(model)
    done = 0
    for t in model.graph.initializer:
        if t.name in names and t.data_type == src:
            shifted = (numpy_helper.to_array(t).astype(np.int16) + delta).astype(dst)
            t.CopyFrom(numpy_helper.from_array(shifted, t.name))
            done += 1
    return done


def probe_model(k: int = 64) -> tuple[bytes, np.ndarray, np.ndarray]:
    """A uint8 × int8 product whose 16-bit pair sums overflow (column 0) and underflow
    (column 1) if the kernel takes them; returns (model, activations, exact product)."""
    from onnx import TensorProto, helper, numpy_helper

    w = np.zeros((k, 3), dtype=np.int8)
    w[:, 0], w[:, 1] = 127, -128
    w[:, 2] = np.resize(np.array([127, -128, 5, -7], dtype=np.int8), k)
    a = np.full((2, k), 255, dtype=np.uint8)
    a[1] = np.resize(np.array([255, 1, 200, 0], dtype=np.uint8), k)
    node = helper.make_node("MatMulInteger", ["a", "w", "a_zp", "w_zp"], ["y"])
    graph = helper.make_graph(
        [node], "probe", [helper.make_tensor_value_info("a", TensorProto.UINT8, [None, k])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [None, 3])],
        initializer=[numpy_helper.from_array(w, "w"),
                     numpy_helper.from_array(np.array(0, dtype=np.uint8), "a_zp"),
                     numpy_helper.from_array(np.zeros(3, dtype=np.int8), "w_zp")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    exact = a.astype(np.int64) @ w.astype(np.int64)
    return model.SerializeToString(), a, exact


@functools.lru_cache(maxsize=1)
def signed_products_exact() -> bool:
    """True when this CPU's onnxruntime multiplies uint8 by int8 without saturating."""
    import onnxruntime as ort

    model, a, exact = probe_model()
    try:
        sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
        got = sess.run(None, {"a": a})[0]
    except Exception:  # noqa: BLE001 - any failure means: keep the safe form
        return False
    return bool((got == exact).all())


def model_for_this_cpu(path: str, form: WeightForm = "auto") -> tuple[bytes | str, str]:
    """The model to load (a path, or bytes with shifted weights) and the form it uses."""
    if form == "unsigned" or (form == "auto" and not signed_products_exact()):
        return path, "unsigned"
    import onnx

    model = onnx.load(path)
    shift_weights(model, signed=True)
    return model.SerializeToString(), "signed"
