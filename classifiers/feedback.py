"""Reviewer feedback as labelled examples — the hook the pipeline connects.

A dismissal with a reason in the review queue (issue 5) says "this item is not X"; an
escalation says "this item is X". The pipeline owns the table, so this module never
touches the database: the lead exports rows as dicts in the categories.md item shape
(``id, platform, kind, author_role, context, text, labels, spans``) and hands them to
:func:`feedback_items`. ``safeguard train --feedback FILE`` adds them to the training mix
(weighted like the domain set), and ``safeguard eval FILE`` scores any such file.

Items without spans are fine for training (the token tagger ignores them); items with
unknown labels are rejected loudly, because a typo would silently teach the wrong thing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from monitor.types import Category

_LABELS = {c.value for c in Category}


def feedback_items(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate and normalise reviewer-labelled rows for training or evaluation."""
    out = []
    for k, row in enumerate(rows):
        text = row.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"feedback row {row.get('id', k)!r}: no text")
        labels = list(row.get("labels") or [])
        unknown = set(labels) - _LABELS
        if unknown:
            raise ValueError(f"feedback row {row.get('id', k)!r}: unknown labels {sorted(unknown)}; "
                             f"use {sorted(_LABELS)}")
        spans = [s for s in row.get("spans") or []
                 if 0 <= s["start"] < s["end"] <= len(text)]
        out.append({"id": str(row.get("id", f"feedback-{k}")),
                    "platform": row.get("platform", "unknown"),
                    "kind": row.get("kind", "comment"),
                    "author_role": row.get("author_role", "public"),
                    "context": row.get("context"), "text": text, "labels": labels,
                    "spans": spans})
    return out


def load_feedback_file(path: Path) -> list[dict[str, Any]]:
    """Read a JSON-lines export of reviewer decisions."""
    with open(path, encoding="utf-8") as fh:
        return feedback_items(json.loads(line) for line in fh if line.strip())
