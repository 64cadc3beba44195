"""Real local servers for the alert tests: the fake Slack Web API and aiosmtpd SMTP servers.

``smtp`` is a plain SMTP server on loopback; ``smtp_tls`` requires STARTTLS and AUTH
(LOGIN/PLAIN) with a throwaway self-signed certificate. Both record every message they
accept, and can be stopped and restarted on the same port to play "server down".
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from monitor.config import Config
from monitor.db import session_scope
from monitor.models import Case, Item
from monitor.testing.fake_slack import FakeSlack
from tests.helpers import ingest, item, org_config, process, setup_org

SLACK_TOKEN = "xoxb-test-7c1d9e-SECRET"
SMTP_USER, SMTP_PASSWORD = "monitor", "smtp-pass-9f3a"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # Slack's documented example secret


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Recorder:
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SmtpServer:
    """An aiosmtpd server that can be stopped and started again on the same port."""

    def __init__(self, *, tls: ssl.SSLContext | None = None) -> None:
        self.port = free_port()
        self.recorder = Recorder()
        self.tls = tls
        self._ctl: Controller | None = None

    def _auth(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login.decode() == SMTP_USER \
            and data.password.decode() == SMTP_PASSWORD
        return AuthResult(success=ok, handled=False)

    def start(self) -> SmtpServer:
        kwargs: dict[str, Any] = {}
        if self.tls is not None:
            kwargs = {"tls_context": self.tls, "require_starttls": True,
                      "authenticator": self._auth, "auth_require_tls": True}
        self._ctl = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **kwargs)
        self._ctl.start()
        return self

    def stop(self) -> None:
        if self._ctl is not None:
            self._ctl.stop()
            self._ctl = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.recorder.messages


def _self_signed(tmp: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting it) for 127.0.0.1."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    monkeypatch.setenv("SAFEGUARD_SLACK_TOKEN", SLACK_TOKEN)
    monkeypatch.setenv("SAFEGUARD_SLACK_SIGNING_SECRET", SIGNING_SECRET)
    fake = FakeSlack(token=SLACK_TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SmtpServer, ssl.SSLContext]]:
    monkeypatch.setenv("SAFEGUARD_SMTP_PASSWORD", SMTP_PASSWORD)
    server_ctx, client_ctx = _self_signed(tmp_path)
    server = SmtpServer(tls=server_ctx).start()
    yield server, client_ctx
    server.stop()


PEOPLE = [
    {"id": "dsl", "name": "Dana DSL", "email": "dsl@example.org", "slack_user": "U0DSL"},
    {"id": "deputy", "name": "Dev Deputy", "email": "deputy@example.org", "slack_user": "U0DEP"},
    {"id": "sm-oak", "name": "Sam Oakfield", "email": "sam@example.org", "slack_user": "U0SAM"},
    {"id": "admin", "name": "Ada Admin", "email": "admin@example.org"},
]


def alerts_config(tmp_path: Path, *, slack: FakeSlack | None = None, smtp: SmtpServer | None = None,
                  **alerts: Any) -> Config:
    """The test organisation with Slack and/or email pointed at the local servers."""
    a: dict[str, Any] = {"mailbox_file": str(tmp_path / "alerts.mbox"), "escalation_minutes": 30,
                         "failure_threshold_minutes": 15}
    if slack is not None:
        a["slack"] = {"base_url": slack.base_url, "timeout": 3}
    if smtp is not None:
        a["email"] = {"host": "127.0.0.1", "port": smtp.port, "timeout": 5}
    a.update(alerts)
    return org_config(tmp_path, people=PEOPLE, alerts=a, review_url="https://review.example.org")


def open_case(engine: Engine, config: Config, text: str, *, ext: str = "c1", owner: bool = False) -> int:
    """Run one comment through the real pipeline; returns the case id it opened."""
    setup_org(engine, config)
    ingest(engine, [item(ext, text, owner=owner)])
    res = process(engine, config)
    assert res.cases_opened == 1, f"{text!r} opened no case"
    with session_scope(engine) as s:
        case = s.exec(select(Case).join(Item, col(Item.id) == col(Case.item_id))
                      .where(Item.external_id == ext)).one()
        return case.id  # type: ignore[return-value]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Engine]:
    from monitor.db import make_engine, migrate

    eng = make_engine(f"sqlite:///{tmp_path / 'alerts.db'}")
    migrate(eng)
    yield eng
    eng.dispose()
