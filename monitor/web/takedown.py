"""Take-downs: hide or delete the flagged item on its platform through its connector.

Why two commits? Durable first, side effects after: the request is stored and audited
*before* the platform is called, so a crash mid-call still leaves a "requested" record a
person can see and retry; the platform's answer is then recorded in a second
transaction. The platform call happens with no database transaction open (on SQLite an
open write transaction would block every other writer for the length of an HTTP call).

``connector_factory(account_id)`` returns a fresh Connector for that account; it is
closed here after use. Tests pass the real connector built against the fake platform.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from connectors.base import Action, Connector
from monitor import audit
from monitor.clock import utcnow
from monitor.models import Case, Item, Takedown, User
from monitor.types import CaseStatus
from monitor.web.decisions import DecisionError, _mark_acknowledged
from monitor.web.permissions import Perm, can

log = logging.getLogger(__name__)


def request_takedown(session: Session, case: Case, action: Action | str, user: User,
                     connector_factory: Callable[[str], Connector] | None, *,
                     now: datetime | None = None) -> Takedown:
    """Ask the platform to hide/unhide/delete the case's item and record what it said."""
    if not can(user, Perm.TAKEDOWN):
        raise DecisionError(403, f"your role ({user.role}) cannot request take-downs")
    try:
        act = Action(action)
    except ValueError:
        raise DecisionError(422, "action must be hide, unhide or delete") from None
    item = session.get(Item, case.item_id)
    assert item is not None
    if item.removed:
        raise DecisionError(409, "the item was already deleted on the platform")
    when = now or utcnow()
    td = Takedown(case_id=case.id, action=act.value, requested_by=user.username,  # type: ignore[arg-type]
                  status="requested", created_at=when)
    session.add(td)
    session.flush()
    audit.append(session, actor=user.username, action="takedown.requested", subject_type="case",
                 subject_id=str(case.id), detail={"takedown": td.id, "action": act.value,
                                                  "platform": item.platform}, at=when)
    session.commit()

    ok, detail = False, ""
    if connector_factory is None:
        detail = f"no connector available for account {case.account_id}"
    else:
        connector = None
        try:
            connector = connector_factory(case.account_id)
            result = connector.act(item.external_id, act)
            ok, detail = result.ok, result.detail
        except Exception as err:  # noqa: BLE001 - any failure is recorded, not raised
            log.warning("take-down %s of case %s failed: %s", act.value, case.id, type(err).__name__)
            detail = f"{type(err).__name__}: {err}"[:500]
        finally:
            if connector is not None:
                connector.close()

    done = now or utcnow()
    td.status = "done" if ok else "failed"
    td.result = (detail or ("ok" if ok else "failed"))[:1000]
    td.completed_at = done
    session.add(td)
    if ok:
        if act is Action.HIDE:
            item.hidden = True
        elif act is Action.UNHIDE:
            item.hidden = False
        else:
            item.removed = True
        session.add(item)
        _mark_acknowledged(session, case, user, done)
        if CaseStatus(case.status).is_open and act is not Action.UNHIDE:
            case.status = CaseStatus.ACTIONED.value
            case.closed_at = done
        case.updated_at = done
        session.add(case)
    audit.append(session, actor=user.username, action=f"takedown.{td.status}", subject_type="case",
                 subject_id=str(case.id), detail={"takedown": td.id, "action": act.value,
                                                  "result": td.result}, at=done)
    session.flush()
    return td
