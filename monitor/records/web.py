"""Review-app pages for records (issue 10): the complaints log, the monthly report and
evidence-pack downloads. Include with ``app.include_router(monitor.records.web.router)``.

Rules reused from the review page (``monitor.web``): the signed-in user, CSRF on every
POST, and case visibility (``can_see_case`` / ``visible_cases_clause``) — a complaint or
pack of a case the user may not see is a 404, exactly like the case itself. Pack
permission is stricter still (``access.can_access_pack``). Reports are scoped by
``access.report_scope``: a Setting Manager sees only their locations, without
safeguarding cases.

Why a POST to get a pack? Building one writes to the audit trail (built, opened); a GET
with side effects could be triggered by a link or image on another site.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup
from sqlmodel import Session, col, select
from starlette.responses import Response

from monitor.config import Config
from monitor.models import Case, Complaint, User
from monitor.records import complaints as log
from monitor.records.access import can_access_pack, report_scope
from monitor.records.complaints_export import to_csv, to_pdf
from monitor.records.errors import RecordsError
from monitor.records.evidence import build_pack, eligible, record_opened
from monitor.records.report import add_filters, build_report, render_html
from monitor.records.report_charts import CHARTS
from monitor.records.report_data import previous_month
from monitor.web.deps import Ctx, CurrentUser, DbSession, csrf_token, now_of
from monitor.web.permissions import (
    LOCATION_SCOPED_ROLES,
    Perm,
    can,
    can_see_case,
    role_of,
    visible_cases_clause,
)
from monitor.web.render import TEMPLATES as WEB_TEMPLATES
from monitor.web.render import make_templates

router = APIRouter(tags=["records"], include_in_schema=False)
_templates = make_templates()
_templates.env.loader = ChoiceLoader([FileSystemLoader(str(Path(__file__).with_name("templates"))),
                                      FileSystemLoader(str(WEB_TEMPLATES))])
add_filters(_templates.env)


def _page(request: Request, name: str, user: User, **context: Any) -> Response:
    context.update(user=user, csrf=csrf_token(request), message=context.get("message"),
                   organisation=request.app.state.web.config.organisation)
    return _templates.TemplateResponse(request, name, context)


def _bad(err: RecordsError) -> HTTPException:
    return HTTPException(status_code=422, detail=str(err))


def _visible_complaint(db: Session, user: User, complaint_id: int) -> tuple[Complaint, Case]:
    c = db.get(Complaint, complaint_id)
    case = db.get(Case, c.case_id) if c else None
    if c is None or case is None or not can_see_case(user, case):
        raise HTTPException(status_code=404, detail="no such complaint")
    return c, case


def _opt_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise HTTPException(status_code=422, detail=f"not a date: {value[:20]!r}") from None  # type: ignore[index]


# -- pieces for the review page's own templates --------------------------------------
def due_for_user(db: Session, user: User, config: Config, now: datetime) -> list[log.DueComplaint]:
    """Overdue and due-soon complaints this user may see (their locations, visible cases)."""
    scoped = role_of(user) in LOCATION_SCOPED_ROLES
    due = log.due_complaints(db, now, location_ids=list(user.locations or []) if scoped else None,
                             due_soon_days=config.records.due_soon_days, tz=config.timezone)
    cases = {c.id: c for c in db.exec(select(Case).where(
        col(Case.id).in_([d.complaint.case_id for d in due])))} if due else {}
    return [d for d in due if (c := cases.get(d.complaint.case_id)) is not None and can_see_case(user, c)]


def due_banner(db: Session, user: User, config: Config, now: datetime) -> Markup:
    """The queue's banner of complaints needing a response (empty when none): ``{{ due_banner }}``."""
    due = due_for_user(db, user, config, now)
    if not due:
        return Markup("")
    return Markup(_templates.env.get_template("due_banner.html").render(
        due=due, locations={loc.id: loc.name for loc in config.locations}))


def case_panel(db: Session, user: User, case: Case, csrf: str) -> Markup:
    """The case page's records box: log as a complaint, the complaint link, the pack button."""
    complaint = db.exec(select(Complaint).where(Complaint.case_id == case.id)).first()
    return Markup(_templates.env.get_template("case_panel.html").render(
        case=case, complaint=complaint, csrf=csrf,
        may_log=can(user, Perm.NOTE) and "complaint" in (case.categories or []) and complaint is None,
        may_pack=can_access_pack(user, case) and eligible(db, case)))


# -- complaints ---------------------------------------------------------------------
@router.get("/records/complaints")
def complaints_page(request: Request, ctx: Ctx, db: DbSession, user: CurrentUser) -> Response:
    now = now_of(ctx)
    rows = list(db.exec(select(Complaint, Case).join(Case, col(Case.id) == Complaint.case_id)
                        .where(visible_cases_clause(user))
                        .order_by(col(Complaint.received_on).desc()).limit(500)))
    due = due_for_user(db, user, ctx.config, now)
    today = log.local_today(now, ctx.config.timezone)
    states = {c.id: log.deadline_state(c, today, due_soon_days=ctx.config.records.due_soon_days) for c, _ in rows}
    return _page(request, "complaints.html", user, rows=rows, due=due, states=states,
                 locations={loc.id: loc.name for loc in ctx.config.locations})


@router.post("/cases/{case_id}/complaint")
def open_complaint(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int,
                   summary: Annotated[str, Form(max_length=log.MAX_TEXT)],
                   complainant: Annotated[str, Form(max_length=200)] = "",
                   received_on: Annotated[str, Form()] = "") -> Response:
    case = db.get(Case, case_id)
    if case is None or not can_see_case(user, case):
        raise HTTPException(status_code=404, detail="no such case")
    if not can(user, Perm.NOTE):
        raise HTTPException(status_code=403, detail="your role cannot log complaints")
    try:
        row = log.open_complaint(db, case, actor=user.username, config=ctx.config, now=now_of(ctx),
                                 summary=summary, complainant=complainant or None,
                                 received_on=_opt_date(received_on))
    except RecordsError as err:
        raise _bad(err) from None
    return RedirectResponse(f"/records/complaints/{row.id}", status_code=303)


@router.get("/records/complaints/export")
def complaints_export(ctx: Ctx, db: DbSession, user: CurrentUser,
                      start: Annotated[str, Query(alias="from")], end: Annotated[str, Query(alias="to")],
                      location: str | None = None, fmt: Annotated[str, Query(alias="format")] = "csv") -> Response:
    first, last = _opt_date(start), _opt_date(end)
    if first is None or last is None or fmt not in ("csv", "pdf"):
        raise HTTPException(status_code=422, detail="from, to (YYYY-MM-DD) and format csv|pdf")
    rows = [c for c in log.log_rows(db, start=first, end=last, location_id=location or None)
            if (case := db.get(Case, c.case_id)) is not None and can_see_case(user, case)]
    now = now_of(ctx)
    names = {loc.id: loc.name for loc in ctx.config.locations}
    today = log.local_today(now, ctx.config.timezone)
    from monitor import audit

    audit.append(db, actor=user.username, action="complaints.exported", subject_type="complaints",
                 subject_id=location or "all", at=now,
                 detail={"from": start, "to": end, "rows": len(rows), "format": fmt})
    name = f"complaints-{first}-{last}-{location or 'all'}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(to_csv(rows, locations=names, today=today), media_type="text/csv; charset=utf-8",
                        headers=headers)
    return Response(to_pdf(rows, organisation=ctx.config.organisation, locations=names, start=first,
                           end=last, location=location, today=today, generated_at=now),
                    media_type="application/pdf", headers=headers)


@router.get("/records/complaints/{complaint_id}")
def complaint_page(request: Request, ctx: Ctx, db: DbSession, user: CurrentUser, complaint_id: int) -> Response:
    c, case = _visible_complaint(db, user, complaint_id)
    today = log.local_today(now_of(ctx), ctx.config.timezone)
    return _page(request, "complaint.html", user, c=c, case=case, statuses=log.STATUSES,
                 state=log.deadline_state(c, today, due_soon_days=ctx.config.records.due_soon_days),
                 location=(ctx.config.location(c.location_id).name if ctx.config.location(c.location_id)  # type: ignore[union-attr]
                           else c.location_id or "organisation"))


@router.post("/records/complaints/{complaint_id}")
def complaint_update(ctx: Ctx, db: DbSession, user: CurrentUser, complaint_id: int,
                     investigation_notes: Annotated[str, Form(max_length=log.MAX_TEXT)] = "",
                     outcome: Annotated[str, Form(max_length=log.MAX_TEXT)] = "",
                     complainant_told_on: Annotated[str, Form()] = "",
                     status: Annotated[str, Form()] = "open") -> Response:
    c, _case = _visible_complaint(db, user, complaint_id)
    if not can(user, Perm.NOTE):
        raise HTTPException(status_code=403, detail="your role cannot change complaints")
    try:
        log.update_complaint(db, c, actor=user.username, now=now_of(ctx),
                             investigation_notes=investigation_notes, outcome=outcome,
                             complainant_told_on=_opt_date(complainant_told_on), status=status)
    except RecordsError as err:
        raise _bad(err) from None
    return RedirectResponse(f"/records/complaints/{complaint_id}", status_code=303)


# -- evidence packs -------------------------------------------------------------------
@router.post("/cases/{case_id}/evidence")
def evidence_pack(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int) -> Response:
    case = db.get(Case, case_id)
    if case is None or not can_see_case(user, case):
        raise HTTPException(status_code=404, detail="no such case")
    if not can_access_pack(user, case):
        raise HTTPException(status_code=403, detail="evidence packs of this case are for the DSL and deputy only")
    now = now_of(ctx)
    try:
        pack = build_pack(db, ctx.config, case, user=user, now=now)
    except RecordsError as err:
        raise _bad(err) from None
    record_opened(db, actor=user.username, case_id=case_id, pack_sha256=pack.sha256, via="web download", now=now)
    return Response(pack.data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="evidence-case-{case_id}.zip"',
        "X-Pack-SHA256": pack.sha256, "Cache-Control": "no-store"})


# -- monthly report ---------------------------------------------------------------------
def _report_args(ctx: Any, user: User, month: str | None, location: str | None) -> tuple[str, str | None, bool]:
    scope = report_scope(user)
    if scope is None:
        raise HTTPException(status_code=403, detail="your role has no reports")
    with_safeguarding, allowed = scope
    if allowed is not None:
        if location is None and len(allowed) == 1:
            location = allowed[0]
        if location not in allowed:
            raise HTTPException(status_code=404, detail="no such report")
    return month or previous_month(now_of(ctx), ctx.config.timezone), location or None, with_safeguarding


def _report(db: Session, ctx: Any, user: User, month: str | None, location: str | None):  # type: ignore[no-untyped-def]
    m, loc, with_sg = _report_args(ctx, user, month, location)
    try:
        return build_report(db, ctx.config, month=m, location_id=loc, include_safeguarding=with_sg,
                            now=now_of(ctx))
    except RecordsError as err:
        raise _bad(err) from None


def _query(month: str, location: str | None) -> str:
    return f"month={month}" + (f"&location={location}" if location else "")


@router.get("/records/report")
def report_page(request: Request, ctx: Ctx, db: DbSession, user: CurrentUser,
                month: str | None = None, location: str | None = None) -> Response:
    rep = _report(db, ctx, user, month, location)
    q = _query(rep.figures.month, rep.figures.location_id)
    html_charts = {n: f"/records/report/chart/{n}.png?{q}" for n in CHARTS}
    return _page(request, "report_page.html", user, **_report_context(rep, html_charts),
                 pdf_url=f"/records/report.pdf?{q}")


def _report_context(rep: Any, charts: dict[str, str]) -> dict[str, Any]:
    from monitor.records.report import CHART_TITLES, month_name

    return {"f": rep.figures, "charts": charts, "chart_titles": CHART_TITLES,
            "month_name": month_name(rep.figures.month)}


@router.get("/records/report.pdf")
def report_pdf(ctx: Ctx, db: DbSession, user: CurrentUser, month: str | None = None,
               location: str | None = None) -> Response:
    rep = _report(db, ctx, user, month, location)
    return Response(rep.pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{rep.slug}.pdf"'})


@router.get("/records/report/chart/{name}.png")
def report_chart(ctx: Ctx, db: DbSession, user: CurrentUser, name: str, month: str | None = None,
                 location: str | None = None) -> Response:
    if name not in CHARTS:
        raise HTTPException(status_code=404, detail="no such chart")
    m, loc, with_sg = _report_args(ctx, user, month, location)
    from monitor.records.report_data import compute

    try:
        f = compute(db, ctx.config, month=m, location_id=loc, include_safeguarding=with_sg, now=now_of(ctx))
    except RecordsError as err:
        raise _bad(err) from None
    return Response(CHARTS[name](f), media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


__all__ = ["case_panel", "due_banner", "due_for_user", "render_html", "router"]
