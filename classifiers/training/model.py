"""The one shared encoder with several small heads (training side only: imports torch).

Why one encoder? The speed target leaves room for one transformer pass per comment, so
every model-based judgement (five policy categories, two public-benchmark heads, evidence
spans and a person-name tagger) is a head on the same pooled or per-token output.

Outputs, in this order, are what the ONNX graph exposes at run time:
``sent_logits`` [batch, len(SENT_HEADS)] and ``tok_logits`` [batch, tokens,
len(TOKEN_TYPES) + 1] (the last channel is the person-name logit).
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import AutoModel

SENT_HEADS = ("safeguarding", "child_identification", "abuse", "complaint", "personal_data",
              "offensive", "hate")
TOKEN_TYPES = ("O", "child_name", "surname", "age", "school", "uniform", "place", "address",
               "time_place", "phone", "email", "health", "threat", "insult", "slur",
               "disclosure", "contact_request", "complaint", "press_threat")


class MultiHeadEncoder(nn.Module):
    def __init__(self, path: str, layers: int = 6) -> None:
        super().__init__()
        self.encoder = AutoModel.from_pretrained(path)
        if layers < len(self.encoder.encoder.layer):
            self.encoder.encoder.layer = self.encoder.encoder.layer[:layers]
            self.encoder.config.num_hidden_layers = layers
        hidden = self.encoder.config.hidden_size
        self.dropout = nn.Dropout(0.1)
        self.sent = nn.Linear(hidden, len(SENT_HEADS))
        self.tok = nn.Linear(hidden, len(TOKEN_TYPES) + 1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(out.dtype)
        pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.sent(self.dropout(pooled)), self.tok(self.dropout(out))
