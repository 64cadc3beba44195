"""Export the trained encoder to ONNX and quantise it to int8 with per-channel weights.

Why per-channel? Per-tensor int8 loses too much (output cosine 0.93–0.95 against fp32,
see shared/notes/models.md); per-channel keeps 0.99 at the same size and speed.

Why are the stored weights unsigned (``unsigned_weights``)? With signed int8 weights
onnxruntime multiplies uint8 activations by int8 weights; on x86 CPUs without AVX-512 VNNI
it does so with ``vpmaddubsw``, which adds pairs of products into 16 bits and *saturates*
when they overflow. The same artefact then scores differently by CPU: on a 2-core AVX2
host the shipped model's dev safeguarding recall fell from 0.923 to 0.897 and its false
alarms rose from 4.2% to 5.2%. uint8 weights with zero point 128 hold exactly the same
values and take the u8u8 kernels, which do not saturate: same figures on every host.
Where the CPU *can* multiply signed weights exactly (VNNI), the runtime shifts them back
at load, because there the u8s8 kernels are much faster (``classifiers/int8_weights.py``).
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import torch

from classifiers.training.model import MultiHeadEncoder

log = logging.getLogger(__name__)


def export_int8(model: MultiHeadEncoder, out_path: Path, per_row: bool = False) -> None:
    """Write ``out_path`` (int8 ONNX) from ``model``; the fp32 graph is a temp file.

    ``per_row`` quantises activations per token (``per_row_activations``), so that an
    item's scores do not depend on its batch-mates.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model.eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    types = torch.zeros((2, 16), dtype=torch.long)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = os.path.join(tmp, "model_fp32.onnx")
        torch.onnx.export(
            model, (ids, mask, types), fp32, dynamo=False, opset_version=17,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["sent_logits", "tok_logits"],
            dynamic_axes={"input_ids": {0: "b", 1: "t"}, "attention_mask": {0: "b", 1: "t"},
                          "token_type_ids": {0: "b", 1: "t"}, "sent_logits": {0: "b"},
                          "tok_logits": {0: "b", 1: "t"}},
        )
        out_path.parent.mkdir(parents=True, exist_ok=True)
        quantize_dynamic(fp32, str(out_path), weight_type=QuantType.QInt8, per_channel=True)
    simplify_attention(out_path)
    unsigned_weights(out_path)
    if per_row:
        per_row_activations(out_path)
    log.info("exported %s (%.1f MB)", out_path, out_path.stat().st_size / 1e6)


def simplify_attention(path: Path) -> dict[str, int]:
    """Drop redundant attention-mask work from an exported graph, in place.

    The eager/SDPA export of a BERT layer (a) rebuilds the same additive mask
    ``Where(mask, 0, -inf)`` of shape [batch, 1, t, t] in every layer and (b) guards each
    softmax with ``Where(IsNaN(p), 0, p)`` for fully-masked rows. Our rows are never fully
    masked (the key-padding mask always keeps [CLS]), so the guard is the identity, and
    the mask needs building once. Together they were ~15% of the run time; outputs are
    unchanged (checked on every artefact with ``check_same_outputs``).
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    prod = {o: n for n in graph.node for o in n.output}

    def const(name: str) -> Any:
        n = prod.get(name)
        if n is not None and n.op_type == "Constant":
            return numpy_helper.to_array(n.attribute[0].t)
        for t in graph.initializer:
            if t.name == name:
                return numpy_helper.to_array(t)
        return None

    rename: dict[str, str] = {}
    drop: set[int] = set()
    first_mask: dict[tuple[str, ...], str] = {}
    for n in graph.node:
        if n.op_type != "Where":
            continue
        a, b, c = n.input
        va, vb = const(b), const(c)
        src = prod.get(a)
        if src is not None and src.op_type == "IsNaN" and src.input[0] == c:
            if va is not None and va.size == 1 and float(va.reshape(-1)[0]) == 0.0:
                rename[n.output[0]] = c  # softmax NaN guard
                drop.add(id(n))
                drop.add(id(src))
            continue
        if va is not None and vb is not None and va.size == 1 and vb.size == 1 \
                and float(va.reshape(-1)[0]) == 0.0 and float(vb.reshape(-1)[0]) == float("-inf"):
            key = (a, str(va.dtype))
            if key in first_mask:
                rename[n.output[0]] = first_mask[key]
                drop.add(id(n))
            else:
                first_mask[key] = n.output[0]
    kept = [n for n in graph.node if id(n) not in drop]
    for n in kept:
        for k, name in enumerate(n.input):
            while name in rename:
                name = rename[name]
            n.input[k] = name
    for o in graph.output:
        assert o.name not in rename
    used = {i for n in kept for i in n.input} | {o.name for o in graph.output}
    kept = [n for n in kept if n.op_type != "Constant" or any(o in used for o in n.output)]
    del graph.node[:]
    graph.node.extend(kept)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return {"removed_nodes": len(drop), "shared_masks": len(first_mask)}


def unsigned_weights(path: Path) -> int:
    """Store every int8 ``MatMulInteger`` weight as uint8 + 128, in place; returns how many.

    Exact: ``(w + 128) - (zp + 128) == w - zp`` for every weight, so the dequantised
    values, and on CPUs where int8 products never saturate the outputs, are unchanged. See
    the module docstring for why the signed form is not safe to ship, and
    ``classifiers/int8_weights.py`` for the CPUs that load it signed again, because there
    it is exact and faster.
    """
    import onnx

    from classifiers.int8_weights import shift_weights

    model = onnx.load(str(path))
    done = shift_weights(model, signed=False)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return done


def per_row_activations(path: Path) -> int:
    """Quantise activations per token instead of per batch, in place; returns how many
    products were rewritten (0 for a model that is already per row).

    ``quantize_dynamic`` emits ``DynamicQuantizeLinear``, which picks one scale and zero
    point for the whole input tensor — every token of every item in the batch. An item's
    scores then depend on what else was in its batch: on dev, 5 of 382 items changed
    labels between a batch of 64 and being classified alone. A safeguarding flag that
    depends on which other comments arrived in the same poll cannot be explained or
    reproduced, so each row (token) gets its own scale and zero point here, as
    ``DynamicQuantizeLinear`` would compute them for that row alone.

    ``MatMulInteger`` in onnxruntime takes one activation zero point per tensor, so the
    product is taken with zero point 0 and the per-row term subtracted exactly in int32:
    ``(q - zp) · w' = q · w' - zp · Σ_k w'``.
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    consumers: dict[str, list[Any]] = {}
    for n in graph.node:
        for name in n.input:
            consumers.setdefault(name, []).append(n)

    def const(name: str, value: Any) -> str:
        graph.initializer.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    dynamic = [n for n in graph.node if n.op_type == "DynamicQuantizeLinear"]
    if not dynamic:  # already per row (or not quantised): nothing to do
        return 0
    zero_f = const("row_q/zero", np.array(0.0, dtype=np.float32))
    tiny = const("row_q/tiny", np.array(1e-8, dtype=np.float32))
    c255 = const("row_q/255", np.array(255.0, dtype=np.float32))
    zero_u8 = const("row_q/zero_u8", np.array(0, dtype=np.uint8))
    flat = const("row_q/flat", np.array([-1], dtype=np.int64))

    new_nodes: dict[int, list[Any]] = {}  # node id -> nodes that replace it
    after: dict[int, list[Any]] = {}  # node id -> nodes inserted after it
    done = 0
    for d in dynamic:
        x = d.input[0]
        q, s, zp = d.output
        p = f"{x}_row"
        zf, zi = f"{p}/zp_f", f"{p}/zp_i32"
        nodes = [
            helper.make_node("ReduceMin", [x], [f"{p}/min"], axes=[-1], keepdims=1),
            helper.make_node("ReduceMax", [x], [f"{p}/max"], axes=[-1], keepdims=1),
            helper.make_node("Min", [f"{p}/min", zero_f], [f"{p}/min0"]),
            helper.make_node("Max", [f"{p}/max", zero_f], [f"{p}/max0"]),
            helper.make_node("Sub", [f"{p}/max0", f"{p}/min0"], [f"{p}/range"]),
            helper.make_node("Div", [f"{p}/range", c255], [f"{p}/scale_raw"]),
            helper.make_node("Max", [f"{p}/scale_raw", tiny], [s]),
            helper.make_node("Div", [f"{p}/min0", s], [f"{p}/min_s"]),
            helper.make_node("Neg", [f"{p}/min_s"], [f"{p}/neg_min_s"]),
            helper.make_node("Round", [f"{p}/neg_min_s"], [f"{p}/zp_r"]),
            helper.make_node("Clip", [f"{p}/zp_r", zero_f, c255], [zf]),
            helper.make_node("Cast", [zf], [zi], to=TensorProto.INT32),
            # x quantised with its row's scale and zero point: one QuantizeLinear per axis
            # over the rows of a 2-D view (five element-wise ops before; same values)
            helper.make_node("Shape", [x], [f"{p}/x_shape"]),
            helper.make_node("Shape", [x], [f"{p}/k"], start=-1),
            helper.make_node("Concat", [flat, f"{p}/k"], [f"{p}/rows_k"], axis=0),
            helper.make_node("Reshape", [x, f"{p}/rows_k"], [f"{p}/x2"]),
            helper.make_node("Reshape", [s, flat], [f"{p}/s1"]),
            helper.make_node("Cast", [zf], [f"{p}/zp_u8"], to=TensorProto.UINT8),
            helper.make_node("Reshape", [f"{p}/zp_u8", flat], [f"{p}/zp1"]),
            helper.make_node("QuantizeLinear", [f"{p}/x2", f"{p}/s1", f"{p}/zp1"], [f"{p}/q2"],
                             axis=0),
            helper.make_node("Reshape", [f"{p}/q2", f"{p}/x_shape"], [q]),
        ]
        new_nodes[id(d)] = nodes
        for mi in consumers.get(q, []):
            if mi.op_type != "MatMulInteger" or mi.input[2] != zp:
                raise ValueError(f"unexpected consumer of {q}: {mi.op_type}")
            w = numpy_helper.to_array(inits[mi.input[1]]).astype(np.int64)
            wzp = numpy_helper.to_array(inits[mi.input[3]]).astype(np.int64)
            colsum = (w - wzp[None, :]).sum(axis=0).astype(np.int32)
            out = mi.output[0]
            raw = f"{out}/zp0"
            cs = const(f"{out}/colsum", colsum)
            mi.input[2] = zero_u8
            mi.output[0] = raw
            after[id(mi)] = [
                helper.make_node("Mul", [zi, cs], [f"{out}/zp_term"]),
                helper.make_node("Sub", [raw, f"{out}/zp_term"], [out]),
            ]
            done += 1
    rebuilt = []
    for n in graph.node:
        rebuilt.extend(new_nodes.get(id(n), [n]))
        rebuilt.extend(after.get(id(n), []))
    del graph.node[:]
    graph.node.extend(rebuilt)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return done
