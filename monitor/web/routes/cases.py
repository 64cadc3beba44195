"""The case page and the decision forms posted from it.

Every route starts with ``queries.visible_case`` (404 for a case the user may not see)
and ends with a redirect back to the case (post/redirect/get), so a reload never posts
a decision twice.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from connectors.base import Action
from monitor.web import decisions, queries
from monitor.web.deps import Ctx, CurrentUser, DbSession, now_of
from monitor.web.highlight import segments
from monitor.web.permissions import Perm, can
from monitor.web.render import page
from monitor.web.takedown import request_takedown

router = APIRouter(prefix="/cases", tags=["pages"], include_in_schema=False)

DONE_MESSAGES = {
    "acknowledged": "Case acknowledged; escalation of its alerts has stopped.",
    "assigned": "Assignment saved.",
    "noted": "Note added.",
    "dismissed": "Case dismissed; kept as a labelled example for the classifiers.",
    "escalated": "Referral recorded and case escalated.",
    "resolved": "Case resolved.",
    "takedown_done": "The platform confirmed the take-down.",
    "takedown_failed": "The take-down FAILED; see the take-down record below.",
}


def _back(case_id: int, done: str) -> Response:
    return RedirectResponse(f"/cases/{case_id}?done={done}", status_code=303)


@router.get("/{case_id}")
def case_page(request: Request, ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int,
              done: str | None = None) -> Response:
    case = queries.visible_case(db, user, case_id)
    decisions.record_view(db, user, case, now_of(ctx))
    d = queries.case_details(db, user, case)
    spans = [s for f in d["current_findings"] for s in (f.spans or [])]
    limit = ctx.options.display_chars
    from monitor.records.web import case_panel  # log as complaint, evidence pack
    from monitor.web.deps import csrf_token

    return page(request, "case.html", user=user, **d,
                records_panel=case_panel(db, user, case, csrf_token(request)),
                segments=segments(d["item"].text, spans, limit=limit),
                truncated=len(d["item"].text or "") > limit, limit=limit,
                assignable=queries.assignable_users(db, case) if can(user, Perm.ASSIGN) else [],
                agencies=decisions.AGENCIES, reasons=decisions.DISMISS_REASONS,
                people={p.id: p.name for p in ctx.config.people},
                message=DONE_MESSAGES.get(done or ""))


@router.post("/{case_id}/acknowledge")
def acknowledge(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int) -> Response:
    case = queries.visible_case(db, user, case_id, lock=True)
    decisions.acknowledge(db, user, case, now_of(ctx))
    return _back(case_id, "acknowledged")


@router.post("/{case_id}/assign")
def assign(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int,
           assignee_id: Annotated[str, Form()] = "") -> Response:
    case = queries.visible_case(db, user, case_id, lock=True)
    decisions.assign(db, user, case, int(assignee_id) if assignee_id.isdigit() else None, now_of(ctx))
    return _back(case_id, "assigned")


@router.post("/{case_id}/note")
def note(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int,
         text: Annotated[str, Form(max_length=decisions.MAX_NOTE)]) -> Response:
    case = queries.visible_case(db, user, case_id, lock=True)
    decisions.add_note(db, user, case, text, now_of(ctx))
    return _back(case_id, "noted")


@router.post("/{case_id}/dismiss")
def dismiss(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int,
            reason: Annotated[str, Form(max_length=decisions.MAX_REASON)] = "",
            detail: Annotated[str, Form(max_length=decisions.MAX_REASON)] = "") -> Response:
    case = queries.visible_case(db, user, case_id, lock=True)
    full = reason.strip() + (f": {detail.strip()}" if detail.strip() else "")
    decisions.dismiss(db, user, case, full.strip(": "), now_of(ctx))
    return _back(case_id, "dismissed")


@router.post("/{case_id}/escalate")
def escalate(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int,
             agency: Annotated[str, Form()], reference: Annotated[str, Form(max_length=200)] = "",
             referred_on: Annotated[str, Form()] = "",
             notes: Annotated[str, Form(max_length=decisions.MAX_NOTE)] = "") -> Response:
    case = queries.visible_case(db, user, case_id, lock=True)
    try:
        when = date.fromisoformat(referred_on) if referred_on else None
    except ValueError:
        raise HTTPException(422, "the referral date must look like 2026-11-26") from None
    decisions.escalate(db, user, case, agency=agency, reference=reference, referred_on=when,
                       notes=notes, now=now_of(ctx))
    return _back(case_id, "escalated")


@router.post("/{case_id}/resolve")
def resolve(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int,
            note: Annotated[str, Form(max_length=decisions.MAX_REASON)] = "") -> Response:
    case = queries.visible_case(db, user, case_id, lock=True)
    decisions.resolve(db, user, case, now_of(ctx), note=note)
    return _back(case_id, "resolved")


def _action(value: str) -> Action:
    try:
        return Action(value)
    except ValueError:
        raise HTTPException(422, "action must be hide, unhide or delete") from None


@router.get("/{case_id}/takedown")
def takedown_confirm(request: Request, ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int,
                     action: str = "hide") -> Response:
    """The confirmation step: nothing changes on the platform until this form is posted.
    It shows the item's text, so it is audited as a view."""
    case = queries.visible_case(db, user, case_id)
    if not can(user, Perm.TAKEDOWN):
        raise HTTPException(403, "your role cannot request take-downs")
    act = _action(action)
    decisions.record_view(db, user, case, now_of(ctx), via="takedown-confirm")
    item = queries.case_details(db, user, case)["item"]
    return page(request, "takedown.html", user=user, case=case, item=item, action=act.value)


@router.post("/{case_id}/takedown")
def takedown(ctx: Ctx, db: DbSession, user: CurrentUser, case_id: int,
             action: Annotated[str, Form()], confirm: Annotated[str, Form()] = "") -> Response:
    case = queries.visible_case(db, user, case_id, lock=True)
    if confirm != "yes":
        return RedirectResponse(f"/cases/{case_id}/takedown?action={_action(action).value}",
                                status_code=303)
    td = request_takedown(db, case, _action(action), user, ctx.connector_factory, now=now_of(ctx))
    return _back(case_id, f"takedown_{td.status}")
