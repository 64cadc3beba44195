"""Operator tools for alerts: check the channels, and requeue alerts that FAILED.

Why ``check``? A wrong Slack token or SMTP password otherwise shows up only when the first
real alert fails; ``safeguard alerts check`` proves each channel at setup time without
sending anything (Slack ``auth.test``; SMTP connect, STARTTLS, login). It prints what it
reached, never a secret.

Why ``retry-failed``? A permanent error (revoked token, refused login) stops retries so the
outbox does not hammer a server; once the cause is fixed, the alerts must still go out.
Requeueing is audited like every other human action.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from monitor import audit
from monitor.clock import utcnow
from monitor.config import Config, read_secret
from monitor.db import session_scope
from monitor.errors import DeliveryFailed
from monitor.models import Alert
from monitor.types import AlertStatus


def check_channels(config: Config, *, tls_context: ssl.SSLContext | None = None) -> list[tuple[bool, str]]:
    """(ok, line) per configured channel and secret."""
    out: list[tuple[bool, str]] = []
    a = config.alerts
    if a.slack:
        from monitor.notifiers.slack import SlackNotifier

        try:
            notifier = SlackNotifier.from_config(config)
            info = notifier._call("auth.test", notifier.client.auth_test)
            out.append((True, f"slack: token valid for team {info.get('team')} as {info.get('user')}"))
        except DeliveryFailed as err:
            out.append((False, f"slack: {err}"))
        has_secret = bool(os.environ.get(a.slack.signing_secret_env))
        out.append((has_secret, "slack: signing secret " + (
            "present" if has_secret else f"missing: set {a.slack.signing_secret_env} "
            "(the Acknowledge button will be refused)")))
    if a.email:
        ec = a.email
        try:
            with smtplib.SMTP(ec.host, ec.port, timeout=ec.timeout) as smtp:
                smtp.ehlo()
                if ec.starttls:
                    smtp.starttls(context=tls_context or ssl.create_default_context())
                    smtp.ehlo()
                if ec.username:
                    password = read_secret(env=ec.password_env) if ec.password_env else None
                    if not password:
                        raise DeliveryFailed(f"no password: set {ec.password_env or 'password_env'}")
                    smtp.login(ec.username, password)
            out.append((True, f"email: {ec.host}:{ec.port} reachable"
                              + (", STARTTLS" if ec.starttls else "") + (", login OK" if ec.username else "")))
        except smtplib.SMTPAuthenticationError as err:
            out.append((False, f"email: login as {ec.username} refused ({err.smtp_code})"))
        except (DeliveryFailed, smtplib.SMTPException, OSError) as err:
            out.append((False, f"email: {ec.host}:{ec.port}: {type(err).__name__}: {str(err)[:120]}"))
    if a.mailbox_file:
        parent = Path(a.mailbox_file).resolve().parent
        ok = parent.exists() and os.access(parent, os.W_OK)
        out.append((ok, f"mailbox: {a.mailbox_file} " + ("writable" if ok else "NOT writable")))
    has_ack = bool(os.environ.get(a.ack_secret_env))
    out.append((True, "email acknowledge links: " + (
        "signed links enabled" if has_ack else f"off (set {a.ack_secret_env} to enable)")))
    if not (a.slack or a.email or a.mailbox_file):
        out.append((False, "no alert channel configured: nobody would be told"))
    return out


def retry_failed(engine: Engine, *, actor: str, channel: str | None = None) -> int:
    """Put FAILED alerts back in the queue (fresh retry budget); returns how many."""
    now = utcnow()
    with session_scope(engine) as session:
        stmt = select(Alert).where(col(Alert.status) == AlertStatus.FAILED.value)
        if channel:
            stmt = stmt.where(col(Alert.channel) == channel)
        rows = list(session.exec(stmt))
        for a in rows:
            a.status = AlertStatus.PENDING.value
            a.attempts = 0
            a.next_attempt_at = now
            a.first_failed_at = None
            a.failure_surfaced = False
            session.add(a)
        if rows:
            audit.append(session, actor=actor, action="alert.requeued", subject_type="outbox",
                         subject_id=str(rows[0].id), detail={"alerts": [a.id for a in rows],
                                                             "channel": channel})
        return len(rows)
