"""JSON log lines from polling, the pipeline and the outbox: ids yes, secrets and case text never."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from classifiers.keyword import KeywordClassifier
from connectors.base import Batch, Connector
from monitor.errors import ConnectorError, CredentialsRejected, RateLimited
from monitor.logs import setup_logging
from monitor.outbox import build_notifiers, deliver_due
from monitor.pipeline import Pipeline
from monitor.runtime import Runtime
from monitor.sync import poll_account
from tests.helpers import ingest, org_config, setup_org

TOKEN = "EAABsbCS1iHgBAKZCZAxq7ZCfZCZBd0ZD"  # Facebook-shaped page token
SLACK = "xoxb-1234567890-abcdefghijklmnop"
GOOGLE = "ya29.a0AfH6SMBx-secret-google-token"
DISCLOSURE = "Zuzanna says her stepdad hits me and told her to keep it a secret"


class _Failing(Connector):
    """A connector whose errors quote what a careless HTTP library would quote."""

    platform = "facebook"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def poll(self, cursors: Mapping[str, str | None]) -> Iterator[Batch]:
        raise self.error


class _Rt(Runtime):
    error: Exception | None = None

    def connector(self, account, session):  # type: ignore[no-untyped-def, override]
        assert self.error is not None
        return _Failing(self.error)


@pytest.fixture
def json_log() -> Iterator[Any]:
    """The production set-up (``setup_logging(json_lines=True)``) writing into a buffer."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging("DEBUG", json_lines=True)
    buf = io.StringIO()
    root.handlers[0].setStream(buf)  # type: ignore[attr-defined]

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in buf.getvalue().splitlines() if line.strip()]
    yield lines
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_poll_errors_name_the_account_and_never_the_token(sqlite_engine: Engine, tmp_path: Path,
                                                          json_log: Any) -> None:
    """A token quoted in an exception message is redacted; the line carries the account id."""
    cfg = org_config(tmp_path)
    setup_org(sqlite_engine, cfg)
    rt = _Rt(config=cfg, engine=sqlite_engine)
    errors = [
        ConnectorError(f"GET https://graph.facebook.com/v19.0/page/feed?access_token={TOKEN}: 500",
                       account="fb-oak"),
        RuntimeError(f"httpx said: Authorization: Bearer {GOOGLE} refused"),
        RateLimited(f"slow down (token={SLACK})", retry_after=1, account="fb-oak"),
        CredentialsRejected(f"token {TOKEN} expired", account="fb-oak"),
    ]
    for err in errors:
        rt.error = err
        poll_account(rt, cfg.accounts[0], force=True)
    lines = json_log()
    raw = "\n".join(json.dumps(x) for x in lines)
    for secret in (TOKEN, SLACK, GOOGLE, "secret-google-token"):
        assert secret not in raw
    warned = [x for x in lines if x["level"] in ("warning", "error") and x["logger"] == "monitor.sync"]
    assert warned and all(x.get("account") == "fb-oak" for x in warned)


def test_safeguarding_text_never_reaches_a_log_line(sqlite_engine: Engine, tmp_path: Path,
                                                     json_log: Any) -> None:
    """Ingest → classify → case → alert → failed delivery: no line quotes the disclosure."""
    from tests.helpers import item

    cfg = org_config(tmp_path, alerts={"mailbox_file": str(tmp_path / "x" / "mbox")})
    setup_org(sqlite_engine, cfg)
    ingest(sqlite_engine, [item("c1", DISCLOSURE)])
    res = Pipeline(sqlite_engine, cfg, [KeywordClassifier()]).process_pending()
    assert res.cases_opened == 1
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "mbox").mkdir()  # the mailbox path is a directory: delivery fails
    deliver_due(sqlite_engine, cfg, build_notifiers(cfg), worker_id="w1")
    lines = json_log()
    raw = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines)
    assert "failed" in raw  # the delivery failure was logged...
    for fragment in ("hits me", "stepdad", "Zuzanna", "keep it a secret"):
        assert fragment not in raw  # ...without the words of the case
    failures = [x for x in lines if x["logger"] == "monitor.outbox" and x["level"] == "warning"]
    assert failures and all(x.get("case") == res.case_ids[0] for x in failures)


class _Quoting(KeywordClassifier):
    """A classifier bug whose exception message quotes its input."""

    name = "quoting"

    def classify_batch(self, items):  # type: ignore[no-untyped-def, override]
        raise ValueError(f"cannot parse {items[0].text!r}")


def test_a_classifier_crash_is_logged_without_the_text_it_quoted(sqlite_engine: Engine,
                                                                 tmp_path: Path,
                                                                 json_log: Any) -> None:
    """The failure is logged with type, place and item id; the quoted disclosure is not."""
    from tests.helpers import item

    cfg = org_config(tmp_path)
    setup_org(sqlite_engine, cfg)
    ingest(sqlite_engine, [item("c1", DISCLOSURE)])
    Pipeline(sqlite_engine, cfg, [_Quoting()]).process_pending()
    lines = json_log()
    raw = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines)
    assert "ValueError at ops/test_logs.py" in raw
    assert any("item" in x for x in lines)
    for fragment in ("hits me", "stepdad", "Zuzanna"):
        assert fragment not in raw
