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


def export_int8(model: MultiHeadEncoder, out_path: Path) -> None:
    """Write ``out_path`` (int8 ONNX) from ``model``; the fp32 graph is a temp file."""
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
    the module docstring for why the signed form is not safe to ship.
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, numpy_helper

    model = onnx.load(str(path))
    weights = {n.input[k] for n in model.graph.node if n.op_type == "MatMulInteger"
               for k in (1, 3) if len(n.input) > k and n.input[k]}
    done = 0
    for t in model.graph.initializer:
        if t.name in weights and t.data_type == TensorProto.INT8:
            shifted = (numpy_helper.to_array(t).astype(np.int16) + 128).astype(np.uint8)
            t.CopyFrom(numpy_helper.from_array(shifted, t.name))
            done += 1
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return done
