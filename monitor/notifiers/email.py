"""Email alerts over SMTP (smtplib): plain text and HTML with the same content.

STARTTLS and login are configuration (``alerts.email``); the password comes from the
environment variable named by ``password_env``. The Message-ID is derived from the
idempotency key, so a message delivered twice after a crash is recognisably the same
message to every mail client (which thread or collapse it), and keys sent by this process
are never sent again.

Why no stronger de-duplication, as for Slack? SMTP has no way to ask "did you already
accept this?"; the outbox keeps the window small (send, then mark SENT at once).

Safeguarding text never appears unless ``include_safeguarding_text`` — the outbox leaves
the excerpt empty in that case, and this notifier renders only what it is given.

Errors: connection refused, timeouts, 4xx replies and a dropped connection are retryable;
5xx replies (recipient refused, authentication failed) are not.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections import OrderedDict
from email.message import EmailMessage
from email.utils import formatdate

from monitor.config import Config, EmailConfig, read_secret
from monitor.errors import DeliveryFailed
from monitor.notifiers.base import AlertMessage, DeliveryReceipt, Notifier
from monitor.notifiers.render import render_html, render_text, subject

log = logging.getLogger(__name__)


def message_id(key: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in ".-_" else "." for ch in key)
    return f"<{safe}@safeguard-monitor>"


def build_email(m: AlertMessage, *, sender: str) -> EmailMessage:
    if not m.recipient_email:
        raise DeliveryFailed(f"no email address for {m.recipient_id}", retryable=False)
    em = EmailMessage()
    em["Subject"] = subject(m)
    em["From"] = sender
    em["To"] = m.recipient_email
    em["Date"] = formatdate(localtime=False)
    em["Message-ID"] = message_id(m.idempotency_key)
    em["X-Safeguard-Key"] = m.idempotency_key
    em["Auto-Submitted"] = "auto-generated"
    em.set_content(render_text(m))
    em.add_alternative(render_html(m), subtype="html")
    return em


class EmailNotifier(Notifier):
    channel = "email"

    def __init__(self, cfg: EmailConfig, *, password: str | None = None,
                 tls_context: ssl.SSLContext | None = None) -> None:
        self.cfg = cfg
        self._password = password
        self._tls = tls_context
        self._sent: OrderedDict[str, str] = OrderedDict()

    def __repr__(self) -> str:
        return f"EmailNotifier({self.cfg.host}:{self.cfg.port}, starttls={self.cfg.starttls})"

    @classmethod
    def from_config(cls, config: Config, *, tls_context: ssl.SSLContext | None = None) -> EmailNotifier:
        ec = config.alerts.email
        if ec is None:
            raise DeliveryFailed("alerts.email is not configured", retryable=False)
        password = read_secret(env=ec.password_env) if ec.password_env else None
        if ec.username and not password:
            raise DeliveryFailed(f"SMTP login as {ec.username} needs a password: set the "
                                 f"environment variable {ec.password_env or '(password_env)'}",
                                 retryable=False)
        return cls(ec, password=password, tls_context=tls_context)

    def send(self, message: AlertMessage) -> DeliveryReceipt:
        mid = message_id(message.idempotency_key)
        if message.idempotency_key in self._sent:
            return DeliveryReceipt(mid)
        em = build_email(message, sender=self.cfg.sender)
        where = f"{self.cfg.host}:{self.cfg.port}"
        try:
            with smtplib.SMTP(self.cfg.host, self.cfg.port, timeout=self.cfg.timeout) as smtp:
                smtp.ehlo()
                if self.cfg.starttls:
                    smtp.starttls(context=self._tls or ssl.create_default_context())
                    smtp.ehlo()
                if self.cfg.username:
                    smtp.login(self.cfg.username, self._password or "")
                smtp.send_message(em)
        except smtplib.SMTPAuthenticationError as err:
            raise DeliveryFailed(f"SMTP {where}: login as {self.cfg.username} refused "
                                 f"({err.smtp_code})", retryable=False) from None
        except smtplib.SMTPRecipientsRefused as err:
            codes = sorted({c for c, _ in err.recipients.values()})
            raise DeliveryFailed(f"SMTP {where}: recipient refused ({codes})",
                                 retryable=all(400 <= c < 500 for c in codes)) from None
        except smtplib.SMTPResponseException as err:
            raise DeliveryFailed(f"SMTP {where}: server replied {err.smtp_code}",
                                 retryable=400 <= err.smtp_code < 500) from None
        except smtplib.SMTPNotSupportedError:
            raise DeliveryFailed(f"SMTP {where}: STARTTLS or AUTH not offered by the server",
                                 retryable=False) from None
        except (smtplib.SMTPException, TimeoutError, ConnectionError, OSError) as err:
            raise DeliveryFailed(f"SMTP {where}: unreachable ({type(err).__name__})",
                                 retryable=True) from None
        self._sent[message.idempotency_key] = mid
        while len(self._sent) > 10_000:
            self._sent.popitem(last=False)
        return DeliveryReceipt(mid)
