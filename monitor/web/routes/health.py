"""Liveness and readiness for the container orchestrator; no authentication, no content."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session, col, select

from monitor.models import Account
from monitor.web.deps import Ctx

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up and serving (says nothing about the database)."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(ctx: Ctx) -> JSONResponse:
    """Ready when the database answers; each account's health is reported, not required
    (one platform being down must not take the review page out of service)."""
    try:
        with Session(ctx.engine) as s:
            accounts = {a.id: a.health for a in s.exec(select(Account).order_by(col(Account.id)))}
    except Exception as err:  # noqa: BLE001 - any DB failure means not ready
        return JSONResponse({"status": "unavailable", "database": type(err).__name__}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "accounts": accounts})


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """Browsers ask for it on every page; an empty answer keeps the logs and console clean."""
    return Response(status_code=204)
