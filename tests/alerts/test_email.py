"""Email alerts through real aiosmtpd servers: content, privacy, STARTTLS + AUTH, server down."""

from __future__ import annotations

import mailbox
import ssl
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.clock import FrozenClock
from monitor.config import parse_config
from monitor.db import session_scope
from monitor.errors import DeliveryFailed
from monitor.models import Alert
from monitor.notifiers.email import EmailNotifier, message_id
from monitor.outbox import build_notifiers, deliver_due
from tests.alerts.conftest import SMTP_PASSWORD, SMTP_USER, SmtpServer, alerts_config, open_case

T0 = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
COMPLAINT = "This is a disgrace <script>alert(1)</script> call me on 07700 900123"
SAFEGUARDING = "he said my dad hits me and to keep it a secret"


def bodies(msg: object) -> tuple[str, str]:
    plain = msg.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
    html = msg.get_body(("html",)).get_content()  # type: ignore[attr-defined]
    return plain, html


def test_email_has_plain_and_html_with_the_same_content_and_a_case_link(
        db: Engine, tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both parts carry category, severity, location, platform, the masked excerpt and the links."""
    monkeypatch.setenv("SAFEGUARD_ACK_SECRET", "ack-secret")
    config = alerts_config(tmp_path, smtp=smtp)
    case_id = open_case(db, config, COMPLAINT)
    assert deliver_due(db, config, build_notifiers(config), worker_id="w").sent == 1
    (msg,) = smtp.messages
    plain, html = bodies(msg)
    for text in (plain, html):
        for needle in ("Complaint or incident in public", "Personal data exposed", "Oakfield Club",
                       "facebook", f"https://review.example.org/cases/{case_id}",
                       "https://review.example.org/ack/"):
            assert needle in text
        assert "07700" not in text  # the phone number is masked
    assert "<script>" not in html and "&lt;script&gt;" in html  # comment text is escaped
    assert msg["To"] == "sam@example.org"
    with session_scope(db) as s:
        alert = s.exec(select(Alert)).one()
    assert msg["Message-ID"] == message_id(alert.idempotency_key) == alert.provider_ref


@pytest.mark.parametrize("include", [False, True])
def test_safeguarding_text_stays_out_of_email_unless_configured(
        db: Engine, tmp_path: Path, smtp: SmtpServer, include: bool) -> None:
    """By default the DSL is told there is a safeguarding case, not what the comment said."""
    config = alerts_config(tmp_path, smtp=smtp)
    data = config.model_dump(mode="json")
    data["alerts"]["email"]["include_safeguarding_text"] = include
    config = parse_config(data)
    open_case(db, config, SAFEGUARDING)
    deliver_due(db, config, build_notifiers(config), worker_id="w")
    (msg,) = smtp.messages
    plain, html = bodies(msg)
    assert "Safeguarding concern" in plain
    assert ("hits me" in plain) is include and ("hits me" in html) is include


def test_starttls_and_login_are_used_when_configured(
        db: Engine, tmp_path: Path, smtp_tls: tuple[SmtpServer, ssl.SSLContext]) -> None:
    """Against a server that requires STARTTLS and AUTH, the alert is delivered."""
    server, client_tls = smtp_tls
    config = alerts_config(tmp_path, smtp=server)
    data = config.model_dump(mode="json")
    data["alerts"]["email"].update(starttls=True, username=SMTP_USER, password_env="SAFEGUARD_SMTP_PASSWORD")
    config = parse_config(data)
    open_case(db, config, SAFEGUARDING)
    notifiers = build_notifiers(config)
    notifiers["email"] = EmailNotifier.from_config(config, tls_context=client_tls)
    assert deliver_due(db, config, notifiers, worker_id="w").sent == 1
    assert [m["To"] for m in server.messages] == ["dsl@example.org"]


def test_wrong_smtp_password_is_not_retried_and_never_shown(
        db: Engine, tmp_path: Path, smtp_tls: tuple[SmtpServer, ssl.SSLContext],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused login is a configuration problem: FAILED at once, password absent from the error."""
    server, client_tls = smtp_tls
    monkeypatch.setenv("SAFEGUARD_SMTP_PASSWORD", "wrong-password-123")
    config = alerts_config(tmp_path, smtp=server)
    data = config.model_dump(mode="json")
    data["alerts"]["email"].update(starttls=True, username=SMTP_USER, password_env="SAFEGUARD_SMTP_PASSWORD")
    config = parse_config(data)
    notifier = EmailNotifier.from_config(config, tls_context=client_tls)
    open_case(db, config, SAFEGUARDING)
    result = deliver_due(db, config, {"email": notifier, **{k: v for k, v in build_notifiers(config).items()
                                                            if k != "email"}}, worker_id="w")
    assert result.failed == 1
    with session_scope(db) as s:
        alert = s.exec(select(Alert).where(Alert.channel == "email")).one()
    assert "login" in (alert.last_error or "") and "wrong-password-123" not in (alert.last_error or "")
    assert SMTP_PASSWORD not in (alert.last_error or "")


def test_smtp_down_delays_then_delivers_exactly_once(db: Engine, tmp_path: Path, smtp: SmtpServer) -> None:
    """Connection refused is retried with back-off; once the server is back, one email arrives."""
    config = alerts_config(tmp_path, smtp=smtp)
    with FrozenClock(T0) as clock:
        open_case(db, config, SAFEGUARDING)
        notifiers = build_notifiers(config)
        smtp.stop()
        for _ in range(3):
            assert deliver_due(db, config, notifiers, worker_id="w").retried == 1
            clock.advance(minutes=11)
        smtp.start()
        deliver_due(db, config, notifiers, worker_id="w")
        clock.advance(hours=1)
        deliver_due(db, config, notifiers, worker_id="w")
    assert [m["To"] for m in smtp.messages] == ["dsl@example.org"]
    # the admin was told once, on another channel (the mailbox), that email was failing
    notices = [m for m in mailbox.mbox(tmp_path / "alerts.mbox") if m["Subject"].startswith("[ADMIN]")]
    assert len(notices) == 1 and "via email" in notices[0].get_payload()


def test_missing_smtp_password_names_the_variable(tmp_path: Path, smtp: SmtpServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A login without its password is reported with the environment variable to set."""
    monkeypatch.delenv("SAFEGUARD_SMTP_PASSWORD", raising=False)
    config = alerts_config(tmp_path, smtp=smtp)
    data = config.model_dump(mode="json")
    data["alerts"]["email"].update(username="u", password_env="SAFEGUARD_SMTP_PASSWORD")
    with pytest.raises(DeliveryFailed, match="SAFEGUARD_SMTP_PASSWORD"):
        EmailNotifier.from_config(parse_config(data))
