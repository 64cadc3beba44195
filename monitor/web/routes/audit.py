"""The audit page (filters, chain verification) and its CSV export for inspections."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from starlette.responses import Response

from monitor import audit as chain
from monitor.db import session_scope
from monitor.models import User
from monitor.web import auditlog
from monitor.web.deps import Ctx, DbSession, now_of, require
from monitor.web.permissions import Perm
from monitor.web.render import page

router = APIRouter(tags=["pages"], include_in_schema=False)
Auditor = Annotated[User, Depends(require(Perm.AUDIT))]
PAGE = 200


def _d(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def audit_filters(actor: str | None = None, action: str | None = None,
                  subject_type: str | None = None, subject_id: str | None = None,
                  date_from: str | None = None, date_to: str | None = None) -> auditlog.AuditFilters:
    return auditlog.AuditFilters(actor=actor or None, action=action or None,
                                 subject_type=subject_type or None, subject_id=subject_id or None,
                                 date_from=_d(date_from), date_to=_d(date_to))


AuditQuery = Annotated[auditlog.AuditFilters, Depends(audit_filters)]


@router.get("/audit")
def audit_page(request: Request, db: DbSession, user: Auditor, f: AuditQuery,
               page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
               verify: bool = False) -> Response:
    result = chain.verify(db) if verify else None
    rows = auditlog.events(db, f, limit=PAGE, offset=(page_no - 1) * PAGE)
    return page(request, "audit.html", user=user, rows=rows, f=f, page_no=page_no,
                more=len(rows) == PAGE, verify=result)


@router.get("/audit.csv")
def audit_csv(ctx: Ctx, db: DbSession, user: Auditor, f: AuditQuery) -> Response:
    """Streams with its own session: the request's session closes when the route returns."""
    chain.append(db, actor=user.username, action="audit.exported", subject_type="audit",
                 detail={"filters": f.as_query()}, at=now_of(ctx))

    def body() -> Iterator[str]:
        with session_scope(ctx.engine) as s:
            yield from auditlog.csv_rows(s, f)

    stamp = now_of(ctx).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="audit-{stamp}.csv"'})
