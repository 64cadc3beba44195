"""Export the trained encoder to ONNX and quantise it to int8 with per-channel weights.

Why per-channel? Per-tensor int8 loses too much (output cosine 0.93–0.95 against fp32,
see shared/notes/models.md); per-channel keeps 0.99 at the same size and speed.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

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
    log.info("exported %s (%.1f MB)", out_path, out_path.stat().st_size / 1e6)
