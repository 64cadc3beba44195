"""The JSON API (``/api``): the same reads and decisions as the pages, through the same
``queries`` and ``decisions`` functions, so the permission checks are the same code.

Authentication is the session cookie: ``POST /api/session`` with
``{"username", "password"}`` signs in and returns ``csrf_token``; every later POST sends
it back in the ``X-CSRF-Token`` header. (A cookie jar is all a script needs; there are no
long-lived bearer tokens to leak.)
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field
from sqlmodel import SQLModel

from connectors.base import Action
from monitor.models import Case, Item
from monitor.web import decisions, queries
from monitor.web.deps import Ctx, CurrentUser, DbSession, now_of
from monitor.web.login import THROTTLED, attempt_login, logout
from monitor.web.routes.queue import Filters
from monitor.web.takedown import request_takedown

router = APIRouter(prefix="/api", tags=["api"])


class LoginIn(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class SessionOut(BaseModel):
    username: str
    role: str
    csrf_token: str


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=decisions.MAX_NOTE)


class AssignIn(BaseModel):
    assignee_id: int | None


class DismissIn(BaseModel):
    reason: str = Field(min_length=1, max_length=decisions.MAX_REASON)


class BulkDismissIn(DismissIn):
    case_ids: list[int] = Field(max_length=500)


class EscalateIn(BaseModel):
    agency: Literal["lado", "local_authority", "ofsted", "police", "other"]
    reference: str | None = Field(default=None, max_length=200)
    referred_on: date | None = None
    notes: str | None = Field(default=None, max_length=decisions.MAX_NOTE)


class ResolveIn(BaseModel):
    note: str | None = Field(default=None, max_length=decisions.MAX_REASON)


class TakedownIn(BaseModel):
    action: Literal["hide", "unhide", "delete"]
    confirm: bool = Field(description="must be true: the API's confirmation step")


def _j(row: SQLModel) -> dict[str, Any]:
    return row.model_dump(mode="json")


def case_summary(case: Case, item: Item | None = None) -> dict[str, Any]:
    out = _j(case)
    if item is not None:
        out["item"] = {"id": item.id, "kind": item.kind, "author_handle": item.author_handle,
                       "created_at": item.created_at.isoformat() if item.created_at else None,
                       "excerpt": (item.text or "")[:200]}
    return out


@router.post("/session", response_model=SessionOut)
def api_login(request: Request, ctx: Ctx, db: DbSession, body: LoginIn) -> SessionOut:
    user, error = attempt_login(request, ctx, db, body.username, body.password)
    if user is None:
        # Commit the failure count and audit event, then answer 401.
        db.commit()
        raise HTTPException(429 if error == THROTTLED else 401, error)
    return SessionOut(username=user.username, role=user.role, csrf_token=request.session["csrf"])


@router.delete("/session", status_code=204)
def api_logout(request: Request, ctx: Ctx, db: DbSession, user: CurrentUser) -> None:
    logout(request, ctx, db, user)


@router.get("/cases")
def list_cases(ctx: Ctx, db: DbSession, user: CurrentUser, f: Filters) -> dict[str, Any]:
    rows, total = queries.queue(db, user, f, page_size=ctx.options.page_size)
    return {"data": [case_summary(c, i) for c, i in rows], "count": total,
            "counts": queries.state_counts(db, user)}


@router.get("/cases/{case_id}")
def get_case(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int) -> dict[str, Any]:
    case = queries.visible_case(db, user, case_id)
    decisions.record_view(db, user, case, now_of(ctx), via="api")
    d = queries.case_details(db, user, case)
    t = d["thread"]
    return {
        "case": _j(case), "item": _j(d["item"]) | {"raw": None},
        "thread": {"parent": _j(t["parent"]) | {"raw": None} if t["parent"] else None,
                   "siblings": [_j(s) | {"raw": None} for s in t["siblings"]],
                   "replies": [_j(r) | {"raw": None} for r in t["replies"]]},
        "findings": [_j(f) for f in d["findings"]],
        "alerts": [_j(a) for a in d["alerts"]],
        "notes": [_j(n) for n in d["notes"]],
        "referrals": [_j(r) for r in d["referrals"]],
        "takedowns": [_j(t) for t in d["takedowns"]],
        "history": [_j(e) for e in d["history"]],
    }


@router.post("/cases/{case_id}/acknowledge")
def api_acknowledge(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int) -> dict[str, Any]:
    case = queries.visible_case(db, user, case_id, lock=True)
    decisions.acknowledge(db, user, case, now_of(ctx))
    return _j(case)


@router.post("/cases/{case_id}/assign")
def api_assign(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int, body: AssignIn) -> dict[str, Any]:
    case = queries.visible_case(db, user, case_id, lock=True)
    decisions.assign(db, user, case, body.assignee_id, now_of(ctx))
    return _j(case)


@router.post("/cases/{case_id}/notes", status_code=201)
def api_note(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int, body: NoteIn) -> dict[str, Any]:
    case = queries.visible_case(db, user, case_id, lock=True)
    return _j(decisions.add_note(db, user, case, body.text, now_of(ctx)))


@router.post("/cases/{case_id}/dismiss")
def api_dismiss(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int, body: DismissIn) -> dict[str, Any]:
    case = queries.visible_case(db, user, case_id, lock=True)
    decisions.dismiss(db, user, case, body.reason, now_of(ctx))
    return _j(case)


@router.post("/cases/bulk-dismiss")
def api_bulk_dismiss(ctx: Ctx, db: DbSession, user: CurrentUser, body: BulkDismissIn) -> dict[str, list[int]]:
    return decisions.bulk_dismiss(db, user, body.case_ids, body.reason, now_of(ctx))


@router.post("/cases/{case_id}/escalate", status_code=201)
def api_escalate(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int, body: EscalateIn) -> dict[str, Any]:
    case = queries.visible_case(db, user, case_id, lock=True)
    ref = decisions.escalate(db, user, case, agency=body.agency, reference=body.reference,
                             referred_on=body.referred_on, notes=body.notes, now=now_of(ctx))
    return _j(ref)


@router.post("/cases/{case_id}/resolve")
def api_resolve(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int, body: ResolveIn) -> dict[str, Any]:
    case = queries.visible_case(db, user, case_id, lock=True)
    decisions.resolve(db, user, case, now_of(ctx), note=body.note)
    return _j(case)


@router.post("/cases/{case_id}/takedown")
def api_takedown(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int, body: TakedownIn) -> dict[str, Any]:
    case = queries.visible_case(db, user, case_id, lock=True)
    if not body.confirm:
        raise HTTPException(422, "set confirm to true to change the item on the platform")
    td = request_takedown(db, case, Action(body.action), user, ctx.connector_factory, now=now_of(ctx))
    return _j(td)
