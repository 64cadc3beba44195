"""Review-page routes for photos: check a draft post, approve a case's photos, link a
child to a photo, record a child's consent.

Mounted by the web app with ``app.include_router(monitor.web_consent.router)``. Every
route needs a signed-in user; decisions need ``Perm.RESOLVE`` and a case or child the
user may see (404 otherwise, as everywhere in the review page). Each decision is audited
by ``monitor.consent``. No pixels are kept: a draft's photos live in a temporary
directory for the length of the request.

Why plain forms? The review page has no JavaScript at all (strict CSP); an upload form
and a results page are enough for "drop a draft and its photos, see the findings".
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from monitor import consent
from monitor.errors import ConfigError
from monitor.models import RosterChild
from monitor.types import Role
from monitor.web import queries
from monitor.web.deps import Ctx, CurrentUser, DbSession
from monitor.web.permissions import Perm, can, role_of
from monitor.web.render import page

router = APIRouter(tags=["pages"], include_in_schema=False)

MAX_FILES = 10
MAX_UPLOAD_BYTES = 25 * 1024 * 1024


def _decider(user: CurrentUser) -> None:
    if not can(user, Perm.RESOLVE):
        raise HTTPException(status_code=403, detail="your role does not allow this")


@router.get("/check-post")
def check_post_form(request: Request, user: CurrentUser) -> Response:
    return page(request, "check_post.html", user=user, result=None, lines=[])


@router.post("/check-post")
async def check_post_submit(request: Request, ctx: Ctx, db: DbSession, user: CurrentUser,
                            text: Annotated[str, Form()] = "",
                            location: Annotated[str, Form()] = "",
                            images: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    """Run the same checks as the monitor on a draft; nothing is stored."""
    from monitor.checkpost import build_checkers, check_post, describe
    from monitor.runtime import setting_context

    uploads = [u for u in images or [] if u.filename]
    if len(uploads) > MAX_FILES:
        return page(request, "check_post.html", status_code=400, user=user, result=None, lines=[],
                    message=f"at most {MAX_FILES} photos per post")
    context = setting_context(ctx.config, db)
    checkers, runtime = build_checkers(context, consent=consent.DbConsentIndex(ctx.engine))
    with tempfile.TemporaryDirectory(prefix="checkpost-") as tmp:
        paths: list[Path] = []
        for k, up in enumerate(uploads):
            data = await up.read(MAX_UPLOAD_BYTES + 1)
            if len(data) > MAX_UPLOAD_BYTES:
                return page(request, "check_post.html", status_code=413, user=user, result=None,
                            lines=[], message=f"{up.filename}: larger than 25 MB")
            safe = Path(up.filename or f"photo-{k}").name[:80] or f"photo-{k}"
            path = Path(tmp) / f"{k}-{safe}"
            path.write_bytes(data)
            paths.append(path)
        result = check_post(text, paths, checkers=checkers, runtime=runtime,
                            location=location or None, policy=ctx.config.policy)
    return page(request, "check_post.html", user=user, result=result, lines=describe(result))


@router.post("/cases/{case_id}/photos/approve")
def approve_photos(db: DbSession, user: CurrentUser, case_id: int) -> Response:
    """"The children in this photo have consent": the case's picture hashes are approved."""
    _decider(user)
    case = queries.visible_case(db, user, case_id)
    approved = consent.approve_case_images(db, case_id=case.id, item_id=case.item_id,  # type: ignore[arg-type]
                                           by=user.username)
    return RedirectResponse(f"/cases/{case_id}?done=photos_approved_{len(approved)}", status_code=303)


@router.post("/cases/{case_id}/photos/link")
def link_photo(db: DbSession, user: CurrentUser, case_id: int,
               roster_child_id: Annotated[int, Form()], pdq: Annotated[str, Form()]) -> Response:
    """"This child is in this photo": wherever it reappears, the child's consent decides."""
    _decider(user)
    case = queries.visible_case(db, user, case_id)
    hashes = consent.case_image_hashes(db, item_id=case.item_id)
    if pdq not in hashes:
        raise HTTPException(status_code=400, detail="that picture is not in this case")
    _visible_child(db, user, roster_child_id)
    consent.link_child(db, pdq=pdq, roster_child_id=roster_child_id, by=user.username,
                       case_id=case.id, variants=hashes[pdq])
    return RedirectResponse(f"/cases/{case_id}?done=photo_linked", status_code=303)


@router.post("/roster/{child_id}/consent")
def set_consent(db: DbSession, user: CurrentUser, child_id: int,
                value: Annotated[str, Form(alias="consent")]) -> Response:
    """Record a child's photo consent (yes / no / internal_only / unknown)."""
    _decider(user)
    _visible_child(db, user, child_id)
    try:
        consent.record_consent(db, roster_child_id=child_id, consent=value, by=user.username)
    except ConfigError as err:
        raise HTTPException(status_code=400, detail=str(err)) from None
    return RedirectResponse("/check-post?done=consent_recorded", status_code=303)


def _visible_child(db: DbSession, user: CurrentUser, child_id: int) -> RosterChild:
    """A Setting Manager sees only the children of their own locations (404 otherwise)."""
    child = db.get(RosterChild, child_id)
    if child is None or (role_of(user) == Role.SETTING_MANAGER
                         and child.location_id not in (user.locations or [])):
        raise HTTPException(status_code=404, detail="not found")
    return child
