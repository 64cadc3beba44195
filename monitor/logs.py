"""Logging set-up: plain or JSON lines, with secrets redacted on the way out.

Why redact in a filter as well as by care? A token can reach a log line through an
exception message from a library (an URL with ``access_token=`` in it); the filter is
the last line of defence and costs a few regex matches per record.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_SECRET_PATTERNS = [
    re.compile(r"(access_token|token|secret|password|key|signature)=([^&\s\"']+)", re.I),
    re.compile(r"(Bearer|OAuth)\s+[A-Za-z0-9._~+/=-]{8,}", re.I),
    re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{8,}"),
    re.compile(r"\bEAA[A-Za-z0-9]{16,}"),
    re.compile(r"\bya29\.[A-Za-z0-9._-]{16,}"),
]


def redact(text: str) -> str:
    for pat in _SECRET_PATTERNS:
        text = pat.sub(lambda m: (m.group(1) + "=[REDACTED]") if m.lastindex == 2 else "[REDACTED]", text)
    return text


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # noqa: BLE001
            return True
        clean = redact(msg)
        if clean != msg:
            record.msg, record.args = clean, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ``extra={"account": ..., "case": ...}`` fields are kept."""

    KEEP = ("account", "case", "item", "alert", "worker")

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for k in self.KEEP:
            if hasattr(record, k):
                out[k] = getattr(record, k)
        if record.exc_info:
            out["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False)


def setup_logging(level: str = "INFO", *, json_lines: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactFilter())
    handler.setFormatter(JsonFormatter() if json_lines else
                         logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "apscheduler", "uvicorn.access", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
