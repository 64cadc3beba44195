"""Operator tools (channel check, requeue) and a short run of ``bench alerts``."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.alerts_admin import check_channels, retry_failed
from monitor.bench_alerts import run_bench
from monitor.clock import FrozenClock
from monitor.config import parse_config
from monitor.db import session_scope
from monitor.models import Alert, AuditEvent
from monitor.outbox import build_notifiers, deliver_due
from monitor.testing.fake_slack import FakeSlack
from monitor.types import AlertStatus
from tests.alerts.conftest import SLACK_TOKEN, SMTP_USER, SmtpServer, alerts_config, open_case


def test_check_reports_each_channel_without_secrets(tmp_path: Path, slack: FakeSlack,
                                                    smtp_tls: tuple[SmtpServer, ssl.SSLContext]) -> None:
    """Slack token, SMTP STARTTLS+login and the mailbox are proven; no secret is printed."""
    server, client_tls = smtp_tls
    data = alerts_config(tmp_path, slack=slack, smtp=server).model_dump(mode="json")
    data["alerts"]["email"].update(starttls=True, username=SMTP_USER, password_env="SAFEGUARD_SMTP_PASSWORD")
    results = check_channels(parse_config(data), tls_context=client_tls)
    assert all(ok for ok, _ in results), results
    text = "\n".join(line for _, line in results)
    assert "slack: token valid" in text and "STARTTLS, login OK" in text
    assert SLACK_TOKEN not in text and not server.messages and not slack.posts


def test_check_fails_on_a_rejected_slack_token(tmp_path: Path, slack: FakeSlack,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong token is reported as invalid_auth at setup time, not at the first real alert."""
    monkeypatch.setenv("SAFEGUARD_SLACK_TOKEN", "xoxb-wrong")
    results = check_channels(alerts_config(tmp_path, slack=slack))
    assert (False, "slack: Slack auth.test: invalid_auth (check the bot token)") in results


def test_retry_failed_requeues_and_delivers_once_the_cause_is_fixed(
        db: Engine, tmp_path: Path, slack: FakeSlack) -> None:
    """After a revoked token is replaced, requeued alerts go out exactly once; the requeue is audited."""
    config = alerts_config(tmp_path, slack=slack)
    with FrozenClock(datetime(2026, 11, 26, 14, 0, tzinfo=UTC)):
        open_case(db, config, "he said my dad hits me")
        slack.fail("invalid_auth", times=1)
        notifiers = build_notifiers(config)
        assert deliver_due(db, config, notifiers, worker_id="w").failed == 1
        assert retry_failed(db, actor="cli:test", channel="slack") == 1
        deliver_due(db, config, notifiers, worker_id="w")  # also sends the admin's notice
    assert [p["to"] for p in slack.posts] == ["U0DSL"]
    with session_scope(db) as s:
        assert s.exec(select(Alert).where(Alert.channel == "slack")).one().status == AlertStatus.SENT
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "alert.requeued")).one().actor == "cli:test"


@pytest.mark.slow
def test_bench_alerts_measures_webhook_to_slack_latency() -> None:
    """A short run delivers every event to the fake Slack and prints one summary line."""
    result = run_bench(rate=20, seconds=1)
    assert result.events == 20 and result.delivered == 20
    line = result.summary()
    assert line.startswith("webhook->slack: p50 ") and "p95" in line and "\n" not in line
