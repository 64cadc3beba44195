"""JSON API for the audit trail and data-protection exports (DSL, deputy and admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from monitor import audit as chain
from monitor.models import User
from monitor.web import auditlog
from monitor.web.deps import Ctx, DbSession, now_of, require
from monitor.web.export import author_export
from monitor.web.permissions import Perm
from monitor.web.routes.audit import AuditQuery

router = APIRouter(prefix="/api", tags=["api"])
Auditor = Annotated[User, Depends(require(Perm.AUDIT))]
Exporter = Annotated[User, Depends(require(Perm.EXPORT_AUTHOR))]


@router.get("/audit")
def api_audit(db: DbSession, user: Auditor, f: AuditQuery,
              limit: Annotated[int, Query(ge=1, le=1000)] = 200,
              offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    rows = auditlog.events(db, f, limit=limit, offset=offset)
    return {"data": [r.model_dump(mode="json") for r in rows], "count": len(rows)}


@router.get("/audit/verify")
def api_verify(db: DbSession, user: Auditor) -> dict[str, Any]:
    r = chain.verify(db)
    return {"ok": r.ok, "events": r.events, "problem": r.problem, "at_seq": r.at_seq, "message": str(r)}


@router.get("/authors/{handle}/export")
def api_author_export(ctx: Ctx, db: DbSession, user: Exporter, handle: str) -> dict[str, Any]:
    return author_export(db, handle, actor=user.username, now=now_of(ctx))
