"""The queue: open cases, most severe and oldest first, with filters and bulk dismissal."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from monitor.models import User
from monitor.types import CaseStatus, Category, Severity
from monitor.web import decisions, queries
from monitor.web.deps import Ctx, CurrentUser, DbSession, now_of, require
from monitor.web.permissions import Perm
from monitor.web.render import page

router = APIRouter(tags=["pages"], include_in_schema=False)


def _opt_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def queue_filters(status: str | None = None, severity: str | None = None,
                  category: str | None = None, location: str | None = None,
                  platform: str | None = None, date_from: str | None = None,
                  date_to: str | None = None, page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                  ) -> queries.QueueFilters:
    """Unknown values are ignored rather than refused: a stale bookmark still shows a queue."""
    return queries.QueueFilters(
        status=status if status in {*(s.value for s in CaseStatus), "all"} else None,
        severity=severity if severity in {s.value for s in Severity} else None,
        category=category if category in {c.value for c in Category} else None,
        location=location or None, platform=platform or None,
        date_from=_opt_date(date_from), date_to=_opt_date(date_to), page=page)


Filters = Annotated[queries.QueueFilters, Depends(queue_filters)]


@router.get("/")
def home() -> Response:
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue")
def queue_page(request: Request, ctx: Ctx, db: DbSession, user: CurrentUser, f: Filters,
               done: str | None = None) -> Response:
    rows, total = queries.queue(db, user, f, page_size=ctx.options.page_size)
    pages = max((total + ctx.options.page_size - 1) // ctx.options.page_size, 1)
    message = None
    if done and done.isdigit():
        message = f"{int(done)} case(s) dismissed."
    from monitor.records.web import due_banner  # complaints needing a response

    return page(request, "queue.html", user=user, rows=rows, total=total, f=f, pages=pages,
                due_banner=due_banner(db, user, ctx.config, now_of(ctx)),
                counts=queries.state_counts(db, user), facets=queries.facet_values(db, user),
                statuses=[s.value for s in CaseStatus], severities=[s.value for s in Severity],
                categories=[c.value for c in Category], reasons=decisions.DISMISS_REASONS,
                message=message)


@router.post("/cases/bulk-dismiss")
def bulk_dismiss(request: Request, ctx: Ctx, db: DbSession,
                 user: Annotated[User, Depends(require(Perm.DISMISS))],
                 reason: Annotated[str, Form(max_length=500)],
                 case_ids: Annotated[list[int], Form()] = []) -> Response:  # noqa: B006
    result = decisions.bulk_dismiss(db, user, case_ids, reason, now_of(ctx))
    return RedirectResponse(f"/queue?done={len(result['dismissed'])}", status_code=303)
