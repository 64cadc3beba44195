"""The admin's user list: who has access, with which role and scope, and lock-outs.

Creating users and setting passwords stays in the CLI (``safeguard user add/reset``):
a password never travels through a web form other than the sign-in form. Here an admin
can unlock, deactivate and reactivate accounts; each change is audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import col, select
from starlette.responses import Response

from monitor import audit
from monitor.clock import ensure_utc
from monitor.models import User
from monitor.web.deps import Ctx, DbSession, now_of, require
from monitor.web.permissions import Perm
from monitor.web.render import page

router = APIRouter(prefix="/admin/users", tags=["pages"], include_in_schema=False)
Admin = Annotated[User, Depends(require(Perm.MANAGE_USERS))]
ACTIONS = {"unlock", "deactivate", "activate"}


@router.get("")
def users_page(request: Request, ctx: Ctx, db: DbSession, user: Admin) -> Response:
    now = now_of(ctx)
    users = db.exec(select(User).order_by(col(User.username))).all()
    locked = {u.id for u in users if (ensure_utc(u.locked_until) or now) > now}
    return page(request, "users.html", user=user, users=users, locked=locked)


@router.post("/{user_id}/{action}")
def change_user(ctx: Ctx, db: DbSession, user: Admin, user_id: int, action: str) -> Response:
    target = db.get(User, user_id)
    if target is None or action not in ACTIONS:
        raise HTTPException(404, "no such user or action")
    if target.id == user.id and action == "deactivate":
        raise HTTPException(409, "you cannot deactivate yourself")
    if action == "unlock":
        target.locked_until = None
        target.failed_logins = 0
    else:
        target.active = action == "activate"
    db.add(target)
    audit.append(db, actor=user.username, action=f"user.{action}d" if action != "unlock" else "user.unlocked",
                 subject_type="user", subject_id=str(target.id), at=now_of(ctx))
    return RedirectResponse("/admin/users", status_code=303)
