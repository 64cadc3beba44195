"""Accounts and locations: the configuration mirrored into the database, and their secrets.

Why mirror? Items, cases and sync state refer to accounts and locations by id with
foreign keys; the YAML file stays the source of truth and ``sync_from_config`` makes the
tables match it at every start (accounts removed from the file are disabled, not deleted,
so their history stays).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from monitor import crypto
from monitor.config import AccountConfig, Config, read_secret
from monitor.models import Account, Credential, Location


def sync_from_config(session: Session, config: Config) -> None:
    for loc in config.locations:
        row = session.get(Location, loc.id)
        if row is None:
            session.add(Location(id=loc.id, name=loc.name))
        elif row.name != loc.name:
            row.name = loc.name
            session.add(row)
    session.flush()
    configured = {a.id for a in config.accounts}
    for acc in config.accounts:
        row = session.get(Account, acc.id)
        ref = (f"env:{acc.token_env}" if acc.token_env else
               f"file:{acc.token_file}" if acc.token_file else "db")
        if row is None:
            row = Account(id=acc.id, platform=acc.platform, external_id=acc.external_id)
        row.platform = acc.platform
        row.external_id = acc.external_id
        row.handle = acc.handle
        row.location_id = acc.location
        row.credential_ref = ref
        row.poll_interval = acc.poll_interval
        row.enabled = acc.enabled
        session.add(row)
    for row in session.exec(select(Account)):
        if row.id not in configured and row.enabled:
            row.enabled = False
            session.add(row)
    session.flush()


@dataclass(frozen=True)
class AccountSecrets:
    token: str | None
    app_secret: str | None = None
    verify_token: str | None = None


def store_token(session: Session, account_id: str, token: str) -> None:
    """Keep a token in the database, encrypted (``safeguard account set-token``)."""
    row = session.get(Credential, account_id) or Credential(account_id=account_id, secret_enc="")
    row.secret_enc = crypto.encrypt(token)
    session.add(row)


def secrets_for(session: Session, acc: AccountConfig) -> AccountSecrets:
    token = read_secret(env=acc.token_env, file=acc.token_file)
    if token is None:
        row = session.get(Credential, acc.id)
        token = crypto.decrypt(row.secret_enc) if row else None
    return AccountSecrets(
        token=token,
        app_secret=read_secret(env=acc.app_secret_env),
        verify_token=read_secret(env=acc.verify_token_env),
    )
