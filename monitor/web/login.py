"""Signing in: lock-out, per-client throttling and audit, shared by the form and the API.

Why one generic failure message? "Unknown user", "wrong password" and "locked" must look
the same to the person at the keyboard, or the page becomes a way to find out which
accounts exist. The audit trail records the real reason for the administrator.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from sqlmodel import Session, select

from monitor import audit
from monitor.clock import ensure_utc
from monitor.models import User
from monitor.web.context import WebContext
from monitor.web.deps import now_of, session_marker
from monitor.web.security import new_token, verify_password

FAILED = ("Sign-in failed: check the username and password. After repeated failures an "
          "account is locked for a while.")
THROTTLED = "Too many failed sign-ins from this address; wait a few minutes."


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def attempt_login(request: Request, ctx: WebContext, db: Session, username: str,
                  password: str) -> tuple[User | None, str | None]:
    """Check the credentials; on success start a fresh session. Returns (user, error)."""
    now = now_of(ctx)
    client = client_of(request)
    if ctx.ip_throttle.blocked(client, now):
        verify_password(None, password)
        return None, THROTTLED
    user = db.exec(select(User).where(User.username == username.strip()[:64])).first()
    ok = verify_password(user.password_hash if user else None, password)
    locked_until = ensure_utc(user.locked_until) if user else None
    locked = locked_until is not None and locked_until > now
    if user is None or not ok or locked or not user.active:
        ctx.ip_throttle.failed(client, now)
        if user is not None:
            reason = "locked" if locked else "inactive" if not user.active else "bad_password"
            if not locked and not ok:
                user.failed_logins += 1
                if user.failed_logins >= ctx.lockout.max_failures:
                    user.locked_until = now + timedelta(minutes=ctx.lockout.lock_minutes)
                    user.failed_logins = 0
                    reason = "locked_now"
                db.add(user)
            audit.append(db, actor=user.username, action="auth.login_failed", subject_type="user",
                         subject_id=str(user.id), detail={"reason": reason, "client": client}, at=now)
        else:
            audit.append(db, actor="anonymous", action="auth.login_failed", subject_type="user",
                         subject_id="", detail={"reason": "unknown_user", "client": client}, at=now)
        return None, FAILED
    user.failed_logins = 0
    user.locked_until = None
    db.add(user)
    # A new session on sign-in (no fixation): drop whatever the anonymous session held.
    request.session.clear()
    request.session.update({"uid": user.id, "marker": session_marker(user), "sid": new_token(),
                            "seen": now.isoformat(), "csrf": new_token()})
    audit.append(db, actor=user.username, action="auth.login", subject_type="user",
                 subject_id=str(user.id), detail={"client": client}, at=now)
    return user, None


def logout(request: Request, ctx: WebContext, db: Session, user: User | None) -> None:
    """End the session here and refuse any copy of its cookie from now on."""
    sid = request.session.get("sid")
    if isinstance(sid, str):
        ctx.revoke(sid, now_of(ctx))
    if user is not None:
        audit.append(db, actor=user.username, action="auth.logout", subject_type="user",
                     subject_id=str(user.id), at=now_of(ctx))
    request.session.clear()
