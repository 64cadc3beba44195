"""FastAPI dependencies as ``Annotated`` aliases: the DB session, the signed-in user,
permission checks and the CSRF check.

Why does ``DbSession`` use ``scope="function"``? The transaction must commit before the
response leaves: a reviewer who sees "dismissed" must be able to rely on it being stored,
and an audit event for a view must exist once the page has been shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlmodel import Session

from monitor.clock import ensure_utc
from monitor.db import session_scope
from monitor.models import User
from monitor.web.context import WebContext
from monitor.web.permissions import Perm, can
from monitor.web.security import tokens_match

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_LOGIN_PATH = "/api/session"


class NotAuthenticated(Exception):
    """Raised by ``current_user``; HTML routes redirect to the login page, the API says 401."""


def get_ctx(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.web
    return ctx


Ctx = Annotated[WebContext, Depends(get_ctx)]


def get_db(ctx: Ctx) -> Iterator[Session]:
    with session_scope(ctx.engine) as session:
        yield session


DbSession = Annotated[Session, Depends(get_db, scope="function")]


def now_of(ctx: WebContext) -> datetime:
    return ensure_utc(ctx.clock()) or ctx.clock()


def session_marker(user: User) -> str:
    """Changes when the password is reset, which ends every existing session."""
    changed = ensure_utc(user.password_changed_at)
    return f"{user.id}:{changed.isoformat() if changed else ''}"


def current_user(request: Request, ctx: Ctx, db: DbSession) -> User:
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        raise NotAuthenticated()
    user = db.get(User, uid)
    now = now_of(ctx)
    seen = request.session.get("seen")
    idle = timedelta(minutes=ctx.options.idle_minutes)
    sid = request.session.get("sid")
    if (user is None or not user.active or request.session.get("marker") != session_marker(user)
            or not isinstance(seen, str) or datetime.fromisoformat(seen) + idle < now
            or not isinstance(sid, str) or sid in ctx.revoked):
        request.session.clear()
        raise NotAuthenticated()
    request.session["seen"] = now.isoformat()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require(perm: Perm) -> Callable[[User], User]:
    """A dependency that lets through only users whose role grants ``perm`` (else 403)."""

    def check(user: CurrentUser) -> User:
        if not can(user, perm):
            raise HTTPException(status_code=403, detail="your role does not allow this")
        return user

    check.__name__ = f"require_{perm.value}"
    return check


def csrf_token(request: Request) -> str:
    from monitor.web.security import new_token

    tok = request.session.get("csrf")
    if not isinstance(tok, str):
        tok = new_token()
        request.session["csrf"] = tok
    return tok


async def csrf_protect(request: Request) -> None:
    """Applied to the whole app: every unsafe request carries the session's token, in the
    ``csrf_token`` form field or the ``X-CSRF-Token`` header.

    The one exception is the JSON login (``POST /api/session``): it has no session yet,
    and a cross-site page cannot send ``application/json`` without a CORS preflight,
    which this app never grants.
    """
    if request.method in SAFE_METHODS:
        return
    ctype = request.headers.get("content-type", "")
    if request.url.path == API_LOGIN_PATH and ctype.startswith("application/json"):
        return
    given = request.headers.get("x-csrf-token")
    if not given and ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if not tokens_match(request.session.get("csrf"), given):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong; reload the page")
