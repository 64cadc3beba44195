"""Sign-in and sign-out pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from monitor.web.deps import Ctx, CurrentUser, DbSession
from monitor.web.login import THROTTLED, attempt_login, logout
from monitor.web.render import page

router = APIRouter(tags=["pages"], include_in_schema=False)


def _local_path(target: str | None) -> str:
    """Only redirect to a path on this site (no open redirect to //evil.example)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/queue"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return page(request, "login.html", next=_local_path(next), error=None)


@router.post("/login")
def login(request: Request, ctx: Ctx, db: DbSession, username: Annotated[str, Form(max_length=200)],
          password: Annotated[str, Form(max_length=1000)],
          next: Annotated[str | None, Form()] = None) -> Response:
    user, error = attempt_login(request, ctx, db, username, password)
    if user is None:
        return page(request, "login.html", status_code=429 if error == THROTTLED else 401,
                    next=_local_path(next), error=error)
    return RedirectResponse(_local_path(next), status_code=303)


@router.post("/logout")
def logout_page(request: Request, ctx: Ctx, db: DbSession, user: CurrentUser) -> Response:
    logout(request, ctx, db, user)
    return RedirectResponse("/login", status_code=303)
