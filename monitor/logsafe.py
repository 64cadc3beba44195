"""Describing an exception for a log line without its message.

Why? A classifier or notifier that fails may quote its input in the exception message —
the words of a safeguarding disclosure — and ``log.exception`` would copy them into the
log (the redaction filter catches tokens, not prose). The type and the place it was
raised are enough to find the bug; the item id on the line finds the input.
"""

from __future__ import annotations

import traceback


def describe(err: BaseException) -> str:
    """``ValueError at classifiers/x.py:42 in classify_batch`` — never the message."""
    frames = traceback.extract_tb(err.__traceback__)
    if not frames:
        return type(err).__name__
    last = frames[-1]
    parts = last.filename.replace("\\", "/").split("/")
    return f"{type(err).__name__} at {'/'.join(parts[-2:])}:{last.lineno} in {last.name}"
