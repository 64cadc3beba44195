"""CLI commands of the review page, added to the main ``safeguard`` app by ``register``.

    safeguard web [--host --port --secure-cookies]     serve the review page (uvicorn)
    safeguard user add NAME --role dsl [--location L]  create a user (password prompted)
    safeguard user reset NAME                          new password, unlock, end sessions
    safeguard audit verify                             exit 1 and say where if broken
    safeguard audit export [--out FILE]                the audit trail as CSV
    safeguard export-author HANDLE [--out FILE]        everything held about one author
    safeguard purge [--days N] [--dry-run]             retention: purge caseless text

Why are passwords never arguments? Arguments end up in shell history and ``ps``; they are
prompted for, or read from stdin with ``--password-stdin`` for provisioning scripts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from monitor.cliutil import ConfigOpt, DbOpt, actor as current_actor, engine_for, friendly
from sqlmodel import select

from monitor import audit as chain
from monitor.clock import utcnow
from monitor.config import Config, Settings, load_config
from monitor.db import make_engine, require_schema, session_scope
from monitor.models import User
from monitor.types import Role

user_app = typer.Typer(help="Review page users.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)



_engine = engine_for


def _config(path: Path | None = None) -> Config:
    return load_config(path or Settings().config)


def session_secret() -> str:
    """Derived from the Fernet key(s) so a deployment has one secret to manage; the label
    keeps the derived key useless for decrypting anything."""
    from monitor.crypto import _load_keys

    key = _load_keys()[-1].encode()
    return hmac.new(key, b"safeguard-web-session-v1", hashlib.sha256).hexdigest()


def _read_password(stdin: bool) -> str:
    from monitor.web.security import MIN_PASSWORD_LENGTH

    pw = sys.stdin.readline().rstrip("\n") if stdin else typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    if len(pw) < MIN_PASSWORD_LENGTH:
        typer.echo(f"password too short: at least {MIN_PASSWORD_LENGTH} characters", err=True)
        raise typer.Exit(2)
    return pw


@user_app.command("add")
@friendly
def user_add(username: str,
             role: Annotated[Role, typer.Option(help="admin, dsl, deputy_dsl, setting_manager, viewer")],
             location: Annotated[list[str], typer.Option(help="location id (setting managers); repeat")] = [],  # noqa: B006
             display_name: Annotated[str, typer.Option()] = "",
             person: Annotated[str | None, typer.Option(help="person id in the config (alerts)")] = None,
             password_stdin: Annotated[bool, typer.Option(help="read the password from stdin")] = False,
             db: DbOpt = None) -> None:
    """Create a user of the review page."""
    from monitor.web.security import hash_password

    if role is Role.SETTING_MANAGER and not location:
        typer.echo("a setting_manager needs at least one --location", err=True)
        raise typer.Exit(2)
    engine = _engine(db)
    pw = _read_password(password_stdin)
    with session_scope(engine) as s:
        if s.exec(select(User).where(User.username == username)).first():
            typer.echo(f"user {username!r} already exists; use `safeguard user reset`", err=True)
            raise typer.Exit(1)
        u = User(username=username, display_name=display_name, role=role.value, locations=location,
                 person_id=person, password_hash=hash_password(pw))
        s.add(u)
        s.flush()
        chain.append(s, actor=current_actor(), action="user.created", subject_type="user",
                     subject_id=str(u.id), detail={"username": username, "role": role.value,
                                                   "locations": location})
    typer.echo(f"created {role.value} {username}")


@user_app.command("reset")
@friendly
def user_reset(username: str,
               password_stdin: Annotated[bool, typer.Option(help="read the password from stdin")] = False,
               deactivate: Annotated[bool, typer.Option(help="disable the account instead")] = False,
               db: DbOpt = None) -> None:
    """Set a new password (which ends the user's sessions) and lift any lock-out."""
    from monitor.web.security import hash_password

    engine = _engine(db)
    with session_scope(engine) as s:
        u = s.exec(select(User).where(User.username == username)).first()
        if u is None:
            typer.echo(f"no user {username!r}", err=True)
            raise typer.Exit(1)
        if deactivate:
            u.active = False
            action = "user.deactivated"
        else:
            u.password_hash = hash_password(_read_password(password_stdin))
            u.active = True
            action = "user.password_reset"
        u.password_changed_at = utcnow()
        u.failed_logins = 0
        u.locked_until = None
        s.add(u)
        chain.append(s, actor=current_actor(), action=action, subject_type="user", subject_id=str(u.id))
    typer.echo(f"{action.split('.')[1].replace('_', ' ')}: {username}")


@audit_app.command("verify")
@friendly
def audit_verify(db: DbOpt = None) -> None:
    """Check the whole hash chain; exit 1 and name the first broken event."""
    with session_scope(_engine(db)) as s:
        result = chain.verify(s)
    typer.echo(str(result))
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("export")
@friendly
def audit_export(out: Annotated[Path | None, typer.Option(help="file to write; stdout if omitted")] = None,
                 actor: str | None = None, action: str | None = None, db: DbOpt = None) -> None:
    """Write the audit trail as CSV (formula cells neutralised) for an inspection."""
    from monitor.web.auditlog import AuditFilters, csv_rows

    engine = _engine(db)
    f = AuditFilters(actor=actor, action=action)
    with session_scope(engine) as s:
        chain.append(s, actor=current_actor(), action="audit.exported", subject_type="audit",
                     detail={"filters": f.as_query(), "to": str(out) if out else "stdout"})
    with session_scope(engine) as s:
        if out is None:
            for chunk in csv_rows(s, f):
                sys.stdout.write(chunk)
        else:
            with out.open("w", encoding="utf-8", newline="") as fh:
                for chunk in csv_rows(s, f):
                    fh.write(chunk)
            typer.echo(f"wrote {out}", err=True)


@friendly
def export_author_cmd(handle: str,
                      out: Annotated[Path | None, typer.Option(help="file to write; stdout if omitted")] = None,
                      db: DbOpt = None) -> None:
    """Everything held about one author handle, as JSON (subject access requests)."""
    from monitor.web.export import author_export

    with session_scope(_engine(db)) as s:
        data = author_export(s, handle, actor=current_actor(), now=utcnow())
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}: {len(data['items'])} items, {len(data['cases'])} cases", err=True)


@friendly
def purge_cmd(days: Annotated[int | None, typer.Option(help="override retention.text_days")] = None,
              dry_run: Annotated[bool, typer.Option(help="count only")] = False,
              config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Purge the text of items that never raised a case, after the retention period."""
    from monitor.web.retention import purge

    n = days if days is not None else _config(config).retention.text_days
    with session_scope(_engine(db)) as s:
        res = purge(s, text_days=n, now=utcnow(), actor=current_actor(), dry_run=dry_run)
    verb = "would purge" if dry_run else "purged"
    typer.echo(f"{verb} the text of {res.items} items ({res.versions} versions) older than {n} "
               f"days; {res.raw_payloads} raw payloads cleared")


@friendly
def web_cmd(host: Annotated[str, typer.Option()] = "127.0.0.1",
            port: Annotated[int, typer.Option()] = 8000,
            secure_cookies: Annotated[bool, typer.Option(
                help="mark cookies Secure and send HSTS (use behind https)")] = False,
            proxy_headers: Annotated[bool, typer.Option(
                help="trust X-Forwarded-For/-Proto from the reverse proxy (client address for "
                     "login throttling)")] = False,
            config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Serve the review page, with the platform webhooks beside it (as ``run --web`` does)."""
    import uvicorn

    from monitor.runtime import Runtime
    from monitor.web import WebOptions
    from monitor.webserve import build_app

    rt = Runtime.from_settings(config_path=str(config) if config else None, database_url=db)
    require_schema(rt.engine)
    app = build_app(rt, options=WebOptions(secure_cookies=secure_cookies))
    uvicorn.run(app, host=host, port=port, proxy_headers=proxy_headers, server_header=False,
                log_level="info")


def bench_queue(cases: Annotated[int, typer.Option()] = 2000) -> None:
    """Time the queue page and a case page over ``cases`` synthetic cases (temp SQLite)."""
    import tempfile
    import time

    from fastapi.testclient import TestClient

    from monitor.db import migrate
    from monitor.web import create_app
    from monitor.web.bench import seed_bench

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate(engine)
        seed_bench(engine, cases)
        app = create_app(engine, Config(), session_secret="bench")
        with TestClient(app) as c:
            c.post("/api/session", json={"username": "bench", "password": "bench-password-123"})
            for path in ("/queue", "/cases/1"):
                c.get(path)
                t = time.perf_counter()
                for _ in range(10):
                    c.get(path)
                typer.echo(f"{path}: {(time.perf_counter() - t) * 100:.1f} ms per request "
                           f"({cases} cases)")


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add the review page's commands to the main CLI (and a benchmark to ``bench``)."""
    app.command("web")(web_cmd)
    app.add_typer(user_app, name="user")
    app.add_typer(audit_app, name="audit")
    app.command("export-author")(export_author_cmd)
    app.command("purge")(purge_cmd)
    bench.command("web-queue")(bench_queue)
