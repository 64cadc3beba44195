"""Polling one account: connector → ingest, with back-off, health and a poll lease.

Why a lease per account? Two daemon replicas on one PostgreSQL must never poll the same
account at the same moment; the lease is taken with one conditional UPDATE (whoever
updates the row owns it until ``lease_until``), which works the same on SQLite.

Errors are handled here, per account, so one failing account never stops the others:

- ``RateLimited``: wait what the platform said (Retry-After / reset header) plus jitter;
- ``SourceUnavailable`` / ``MalformedResponse``: exponential back-off; the cursor was not
  advanced, nothing stored is lost;
- ``CredentialsRejected``: the account is marked unhealthy and the admins are told once
  per token; polling resumes by itself when a different token is configured.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col

from monitor import audit, crypto, metrics
from monitor.accounts import secrets_for
from monitor.clock import utcnow
from monitor.config import AccountConfig
from monitor.db import session_scope
from monitor.errors import (
    ConfigError,
    ConnectorError,
    CredentialsRejected,
    MalformedResponse,
    RateLimited,
)
from monitor.models import Account, SyncState
from monitor.runtime import Runtime
from monitor.store import cursors, ingest_batch, sync_state

log = logging.getLogger(__name__)
LEASE_STREAM = "_lease"
LEASE_SECONDS = 90  # renewed after every stored batch
MAX_BACKOFF = 3600.0


@dataclass
class PollOutcome:
    account: str
    status: str  # ok | skipped | backoff | rate_limited | unhealthy | error
    new: int = 0
    edited: int = 0
    batches: int = 0
    detail: str = ""


def _holder_is_dead(holder: str | None) -> bool:
    """True when the holder ran on this host and its process is gone (killed, crashed)."""
    if not holder or ":" not in holder:
        return False
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _take_lease(rt: Runtime, account_id: str) -> bool:
    """Compare-and-set on the account's lease row; a dead local holder's lease is taken over."""
    now = utcnow()
    with session_scope(rt.engine) as session:
        st = sync_state(session, account_id=account_id, stream=LEASE_STREAM)
        holder, until = st.lease_holder, st.lease_until
    free = holder is None or holder == rt.worker or until is None or until < now or _holder_is_dead(holder)
    if not free:
        return False
    with session_scope(rt.engine) as session:
        guard = (col(SyncState.lease_holder).is_(None) if holder is None
                 else SyncState.lease_holder == holder)
        res = session.exec(update(SyncState)  # type: ignore[call-overload]
                           .where(SyncState.account_id == account_id,
                                  SyncState.stream == LEASE_STREAM, guard)
                           .values(lease_holder=rt.worker,
                                   lease_until=now + timedelta(seconds=LEASE_SECONDS)))
        return bool(res.rowcount)


def _renew_lease(rt: Runtime, account_id: str) -> None:
    with session_scope(rt.engine) as session:
        session.exec(update(SyncState)  # type: ignore[call-overload]
                     .where(SyncState.account_id == account_id, SyncState.stream == LEASE_STREAM,
                            SyncState.lease_holder == rt.worker)
                     .values(lease_until=utcnow() + timedelta(seconds=LEASE_SECONDS)))


def _release_lease(rt: Runtime, account_id: str) -> None:
    with session_scope(rt.engine) as session:
        session.exec(update(SyncState)  # type: ignore[call-overload]
                     .where(SyncState.account_id == account_id, SyncState.stream == LEASE_STREAM,
                            SyncState.lease_holder == rt.worker)
                     .values(lease_holder=None, lease_until=None))


def _set_health(session, account_id: str, health: str, detail: str | None) -> bool:  # type: ignore[no-untyped-def]
    acc = session.get(Account, account_id)
    if acc is None:
        return False
    changed = acc.health != health
    if changed:
        acc.health_changed_at = utcnow()
    acc.health = health
    acc.health_detail = detail
    session.add(acc)
    return changed


def poll_account(rt: Runtime, account: AccountConfig, *, stop: threading.Event | None = None,
                 force: bool = False) -> PollOutcome:
    """Poll one account once; never raises for platform trouble."""
    now = utcnow()
    with session_scope(rt.engine) as session:
        st = sync_state(session, account_id=account.id, stream=LEASE_STREAM)
        if not force and st.backoff_until and st.backoff_until > now:
            return PollOutcome(account.id, "backoff", detail=f"until {st.backoff_until:%H:%M:%S}")
        acc_row = session.get(Account, account.id)
        secrets = secrets_for(session, account)
        fingerprint = crypto.keyed_hash(secrets.token) if secrets.token else None
        if (acc_row and acc_row.health == "unhealthy" and acc_row.rejected_token_fingerprint
                and acc_row.rejected_token_fingerprint == fingerprint):
            return PollOutcome(account.id, "unhealthy", detail="token still rejected; waiting for a new one")
    if not _take_lease(rt, account.id):
        return PollOutcome(account.id, "skipped", detail="another process is polling it")
    out = PollOutcome(account.id, "ok")
    started = utcnow()
    try:
        with session_scope(rt.engine) as session:
            connector = rt.connector(account, session)
            stored = cursors(session, account.id)
        try:
            for batch in connector.poll(stored):
                with session_scope(rt.engine) as session:
                    res = ingest_batch(session, account_id=account.id, platform=connector.platform,
                                       batch=batch, actor=f"daemon:{rt.worker}",
                                       raw_days=rt.config.retention.raw_payload_days)
                out.new += res.new
                out.edited += res.edited
                metrics.ingested(connector.platform, res.new + res.edited)
                out.batches += 1
                _renew_lease(rt, account.id)
                if stop is not None and stop.is_set():
                    break  # the cursor of every stored batch is saved; resume next time
        finally:
            metrics.connector_diagnostics(account.platform, account.id, connector)
            connector.close()
        _record_success(rt, account.id, out, started=started)
    except RateLimited as err:
        wait = err.retry_after + random.uniform(0, min(30.0, err.retry_after * 0.1 + 1))
        metrics.rate_limited(account.platform, wait)
        _record_failure(rt, account.id, out, "rate_limited", str(err), wait=wait, health="degraded")
    except CredentialsRejected as err:
        _record_rejected(rt, account.id, out, str(err), fingerprint)
    except (MalformedResponse, ConnectorError, ConfigError) as err:
        _record_failure(rt, account.id, out, "error", str(err), wait=None, health="degraded")
    except Exception as err:  # noqa: BLE001 - one account's bug must not stop the daemon
        log.exception("account %s: unexpected error while polling", account.id,
                      extra={"account": account.id})
        _record_failure(rt, account.id, out, "error", f"{type(err).__name__}: {err}", wait=None,
                        health="degraded")
    finally:
        _release_lease(rt, account.id)
        metrics.poll_finished(account.platform, out.status)
    return out


def _record_success(rt: Runtime, account_id: str, out: PollOutcome, *,
                    started: datetime | None = None) -> None:
    now = utcnow()
    with session_scope(rt.engine) as session:
        st = sync_state(session, account_id=account_id, stream=LEASE_STREAM)
        recovered = st.consecutive_failures > 0
        st.last_attempt_at = st.last_success_at = now
        st.consecutive_failures = 0
        st.backoff_until = None
        st.last_error = None
        session.add(st)
        acc = session.get(Account, account_id)
        if acc is not None:
            acc.rejected_token_fingerprint = None
        _set_health(session, account_id, "ok", None)
        if out.new or out.edited:  # who polled when: replicas never poll one account at once
            audit.append(session, actor=f"daemon:{rt.worker}", action="account.polled",
                         subject_type="account", subject_id=account_id,
                         detail={"started": started.isoformat() if started else None,
                                 "new": out.new, "edited": out.edited, "batches": out.batches})
        if recovered:
            log.info("account %s: recovered", account_id, extra={"account": account_id})
            audit.append(session, actor=f"daemon:{rt.worker}", action="account.recovered",
                         subject_type="account", subject_id=account_id)


def _record_failure(rt: Runtime, account_id: str, out: PollOutcome, status: str, message: str,
                    *, wait: float | None, health: str) -> None:
    now = utcnow()
    out.status = status
    out.detail = message
    with session_scope(rt.engine) as session:
        st = sync_state(session, account_id=account_id, stream=LEASE_STREAM)
        st.consecutive_failures += 1
        if wait is None:
            wait = min(MAX_BACKOFF, 30.0 * 2 ** (st.consecutive_failures - 1)) * random.uniform(0.8, 1.2)
        st.last_attempt_at = st.last_error_at = now
        st.last_error = message[:500]
        st.backoff_until = now + timedelta(seconds=wait)
        session.add(st)
        if st.consecutive_failures == 1:  # quiet logging: the first failure, not every tick
            log.warning("account %s: %s (backing off %.0f s)", account_id, message, wait,
                        extra={"account": account_id})
            audit.append(session, actor=f"daemon:{rt.worker}", action=f"account.{status}",
                         subject_type="account", subject_id=account_id,
                         detail={"error": message[:500], "backoff_seconds": round(wait)})
        _set_health(session, account_id, health, message[:500])


def _record_rejected(rt: Runtime, account_id: str, out: PollOutcome, message: str,
                     fingerprint: str | None) -> None:
    now = utcnow()
    out.status = "unhealthy"
    out.detail = message
    with session_scope(rt.engine) as session:
        st = sync_state(session, account_id=account_id, stream=LEASE_STREAM)
        st.last_attempt_at = st.last_error_at = now
        st.last_error = message[:500]
        session.add(st)
        acc = session.get(Account, account_id)
        first_time = acc is not None and acc.rejected_token_fingerprint != fingerprint
        if acc is not None:
            acc.rejected_token_fingerprint = fingerprint
        _set_health(session, account_id, "unhealthy", message[:500])
        if first_time:
            log.error("account %s: access token rejected; admins told; polling paused until "
                      "a new token is configured", account_id, extra={"account": account_id})
            audit.append(session, actor=f"daemon:{rt.worker}", action="account.credentials_rejected",
                         subject_type="account", subject_id=account_id, detail={"error": message[:500]})
            from monitor.notices import notify_admins

            notify_admins(session, rt.config, key=f"token-rejected:{account_id}:{fingerprint}",
                          subject=f"Access token rejected for account {account_id}",
                          body=f"{message}\nConfigure a new token; polling resumes by itself.")
