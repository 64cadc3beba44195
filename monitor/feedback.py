"""Reviewer decisions exported as labelled data (the categories.md item shape).

A dismissal in the review queue is stored as a LabelledExample with ``labels: []`` (a
false positive); ``safeguard feedback export`` writes them as JSON lines, which
``safeguard train --feedback FILE`` adds to the training mix and ``safeguard eval FILE``
scores. The export holds public text, so it is written only where the operator says.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, col, select

from monitor.models import LabelledExample


def export_rows(session: Session) -> Iterator[dict[str, Any]]:
    for ex in session.exec(select(LabelledExample).order_by(col(LabelledExample.id))):
        yield {"id": f"review-{ex.id}", "platform": ex.platform, "kind": ex.kind,
               "author_role": ex.author_role, "context": ex.context, "text": ex.text,
               "labels": list(ex.labels or []), "spans": [],
               "predicted": list(ex.predicted or []), "reason": ex.reason}


def export_jsonl(session: Session) -> Iterator[str]:
    for row in export_rows(session):
        yield json.dumps(row, ensure_ascii=False)
