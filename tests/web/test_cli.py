"""The review page's CLI commands: users, audit verify/export, author export, purge."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import typer
import yaml
from sqlalchemy import text
from sqlmodel import Session, select
from typer.testing import CliRunner

from monitor.clock import utcnow
from monitor.db import session_scope
from monitor.models import Item, User
from monitor.web.cli import register
from monitor.web.security import verify_password
from tests.web import factories


@pytest.fixture
def cli(engine, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    cfg = tmp_path / "safeguard.yaml"
    cfg.write_text(yaml.safe_dump({"retention": {"text_days": 30}}))
    monkeypatch.setenv("SAFEGUARD_DATABASE_URL", str(engine.url))
    monkeypatch.setenv("SAFEGUARD_CONFIG", str(cfg))
    app, bench = typer.Typer(), typer.Typer()
    app.add_typer(bench, name="bench")
    register(app, bench)
    runner = CliRunner()

    def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(app, list(args), input=input)

    return run


def test_user_add_and_reset(cli, engine):
    """Users are created with an argon2 hash; reset changes it and lifts a lock-out."""
    r = cli("user", "add", "sam", "--role", "setting_manager", "--location", "loc1",
            "--password-stdin", input="a long enough password\n")
    assert r.exit_code == 0, r.output
    with Session(engine) as s:
        u = s.exec(select(User).where(User.username == "sam")).one()
        assert u.role == "setting_manager" and u.locations == ["loc1"]
        assert u.password_hash.startswith("$argon2id$")
        u.locked_until = utcnow() + timedelta(minutes=10)
        s.add(u)
        s.commit()
    dup = cli("user", "add", "sam", "--role", "viewer", "--password-stdin",
              input="a long enough password\n")
    assert dup.exit_code == 1, (dup.output, dup.exception)
    r = cli("user", "reset", "sam", "--password-stdin", input="another long password\n")
    assert r.exit_code == 0, r.output
    with Session(engine) as s:
        u = s.exec(select(User).where(User.username == "sam")).one()
        assert u.locked_until is None and verify_password(u.password_hash, "another long password")


def test_short_passwords_and_unscoped_managers_are_refused(cli):
    """Weak set-ups are refused with a reason, not stored."""
    assert cli("user", "add", "x", "--role", "dsl", "--password-stdin", input="short\n").exit_code == 2
    assert cli("user", "add", "y", "--role", "setting_manager", "--password-stdin",
               input="a long enough password\n").exit_code == 2


def test_audit_verify_exit_code_and_message(cli, engine):
    """``audit verify`` exits 0 when intact, 1 naming the event when tampered with."""
    factories.seed_org(engine)
    factories.make_case(engine, categories=["complaint"])
    cli("user", "add", "z", "--role", "viewer", "--password-stdin", input="a long enough password\n")
    cli("user", "add", "w", "--role", "viewer", "--password-stdin", input="a long enough password\n")
    r = cli("audit", "verify")
    assert r.exit_code == 0 and "intact" in r.output
    with engine.begin() as c:
        c.execute(text("UPDATE auditevent SET actor = 'x' WHERE seq = 1"))
    r = cli("audit", "verify")
    assert r.exit_code == 1 and "BROKEN at seq 1" in r.output


def test_audit_export_and_author_export(cli, engine, tmp_path):
    """CSV export writes a file; author export writes the JSON document."""
    factories.seed_org(engine)
    factories.make_case(engine, categories=["complaint"], handle="someone")
    out = tmp_path / "audit.csv"
    assert cli("audit", "export", "--out", str(out)).exit_code == 0
    assert out.read_text().startswith("seq,at,actor")
    js = tmp_path / "author.json"
    r = cli("export-author", "someone", "--out", str(js))
    assert r.exit_code == 0, r.output
    assert json.loads(js.read_text())["items"][0]["author_handle"] == "someone"


def test_purge_uses_configured_retention(cli, engine):
    """``purge`` reads retention.text_days from the config file (30 here)."""
    factories.seed_org(engine)
    with session_scope(engine) as s:
        item = factories.make_item(s, text="old", fetched=utcnow() - timedelta(days=31))
        iid = item.id
    r = cli("purge", "--dry-run")
    assert r.exit_code == 0 and "would purge the text of 1 items" in r.output
    r = cli("purge")
    assert r.exit_code == 0 and "purged the text of 1 items" in r.output
    with Session(engine) as s:
        assert s.get(Item, iid).text is None


def test_web_command_builds_the_served_app(cli, monkeypatch):
    """``safeguard web`` serves the review page (secure cookies on request) via uvicorn."""
    import uvicorn
    from fastapi.testclient import TestClient

    served: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    r = cli("web", "--port", "8123", "--secure-cookies")
    assert r.exit_code == 0, (r.output, r.exception)
    assert served["port"] == 8123 and served["host"] == "127.0.0.1"
    with TestClient(served["app"], base_url="https://testserver") as c:  # type: ignore[arg-type]
        assert c.get("/healthz").status_code == 200
        login = c.get("/login")
        assert login.status_code == 200 and "secure" in login.headers["set-cookie"].lower()
