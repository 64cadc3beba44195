"""Escalation: an alert nobody acknowledges in time goes to the next person in the chain.

The chain is ``alerts.escalation_chain`` (default Setting Manager → DSL → deputy DSL).
For a case whose alerts reached ``escalate_at`` unacknowledged, the next step is the first
step after the highest one already told about the case — a safeguarding case, which went
to the DSL at once, escalates to the deputy DSL. The new alerts are ordinary outbox rows
(reason ``escalation``, ``escalation_level`` + 1, their own idempotency key), with their
own ``escalate_at``, so an unanswered escalation climbs on. At the end of the chain the
case is audited as unacknowledged once, and nothing more is sent.

``acknowledge`` (the Slack button, the email link, the review page) stops it: the case
and its alerts are marked, pending escalations are suppressed, and it is audited.

Why per case, in its own transaction? Two replicas may run ``escalate_due`` together; the
escalated-from alerts lose their ``escalate_at`` in the same transaction that adds the new
rows, and the idempotency keys are unique, so a step is taken once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from monitor import audit
from monitor.clock import utcnow
from monitor.config import Config
from monitor.db import session_scope
from monitor.models import Alert, Case
from monitor.routing import channels_for, escalation_chain
from monitor.types import AlertStatus, CaseStatus

log = logging.getLogger(__name__)


def _due_case_ids(engine: Engine, limit: int) -> list[int]:
    now = utcnow()
    with session_scope(engine) as session:
        rows = session.exec(select(Alert.case_id).where(
            col(Alert.escalate_at).is_not(None), col(Alert.escalate_at) <= now,
            col(Alert.acknowledged_at).is_(None), col(Alert.case_id).is_not(None),
        ).distinct().limit(limit))
        return [r for r in rows if r is not None]


def escalate_due(engine: Engine, config: Config, *, worker_id: str, limit: int = 100) -> int:
    """Take every escalation step that is due; returns the number of steps taken."""
    steps = 0
    for case_id in _due_case_ids(engine, limit):
        try:
            with session_scope(engine) as session:
                steps += _escalate_case(session, config, case_id, actor=f"daemon:{worker_id}")
        except IntegrityError:
            log.info("case %s: another sender took this escalation step", case_id)
    return steps


def _lock_case(session: Session, case_id: int) -> Case | None:
    stmt = select(Case).where(Case.id == case_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def _escalate_case(session: Session, config: Config, case_id: int, *, actor: str) -> int:
    now = utcnow()
    case = _lock_case(session, case_id)
    alerts = list(session.exec(select(Alert).where(Alert.case_id == case_id)))
    due = [a for a in alerts if a.escalate_at is not None and a.escalate_at <= now
           and a.acknowledged_at is None]
    if case is None or not due:
        return 0
    for a in due:
        a.escalate_at = None
        session.add(a)
    if case.acknowledged_at is not None or not CaseStatus(case.status).is_open:
        return 0  # acknowledged or closed in the meantime: nothing to chase
    chain = escalation_chain(config, case.location_id)
    told = {a.recipient for a in alerts if a.reason != "admin"}
    top = max((i for i, step in enumerate(chain) if told.intersection(step)), default=-1)
    level = max(a.escalation_level for a in alerts) + 1
    nxt = next(((i, [p for p in step if p not in told]) for i, step in enumerate(chain)
                if i > top and any(p not in told for p in step)), None)
    if nxt is None:
        audit.append(session, actor=actor, action="case.escalation_exhausted", subject_type="case",
                     subject_id=case_id, detail={"level": level - 1, "told": sorted(told),
                                                 "chain": config.alerts.escalation_chain})
        log.warning("case %s: still unacknowledged at the end of the escalation chain", case_id)
        return 0
    step_index, people = nxt
    queued: list[str] = []
    next_at = now + timedelta(minutes=config.alerts.escalation_minutes)
    for pid in people:
        person = config.person(pid)
        if person is None:
            continue
        for ch in channels_for(person, ["email", "slack"], config):
            key = f"case:{case_id}:esc{level}:{pid}:{ch}"[:128]
            session.add(Alert(case_id=case_id, recipient=pid, channel=ch, severity=case.severity,
                              reason="escalation", idempotency_key=key,
                              status=AlertStatus.PENDING.value, next_attempt_at=now,
                              escalation_level=level, escalate_at=next_at, created_at=now))
            queued.append(f"{pid}/{ch}")
    audit.append(session, actor=actor, action="case.escalated", subject_type="case",
                 subject_id=case_id, detail={
                     "level": level, "step": config.alerts.escalation_chain[step_index]
                     if step_index < len(config.alerts.escalation_chain) else step_index,
                     "from": sorted({a.recipient for a in due}), "to": queued,
                     "unacknowledged_since": min(a.created_at for a in due)})
    session.flush()
    return 1


def acknowledge(session: Session, case_id: int, by: str, via: str) -> bool:
    """Mark a case acknowledged (stops escalation); True if this was the first time.

    ``by`` is a person id (or ``slack:<member>`` for someone not in the config); ``via``
    is ``slack``, ``email`` or ``review``. Every call is audited, repeats included, so the
    trail shows who pressed what.
    """
    now = utcnow()
    case = _lock_case(session, case_id)
    if case is None:
        raise LookupError(f"no case #{case_id}")
    first = case.acknowledged_at is None
    if first:
        case.acknowledged_at = now
        case.acknowledged_by = by
        session.add(case)
    suppressed = 0
    for a in session.exec(select(Alert).where(Alert.case_id == case_id)):
        changed = False
        if a.acknowledged_at is None:
            a.acknowledged_at, a.acknowledged_by, changed = now, by, True
        if a.escalate_at is not None:
            a.escalate_at, changed = None, True
        if a.reason == "escalation" and a.status == AlertStatus.PENDING.value:
            a.status, changed = AlertStatus.SUPPRESSED.value, True
            suppressed += 1
        if changed:
            session.add(a)
    audit.append(session, actor=by, action="case.acknowledged" if first else "case.acknowledged_again",
                 subject_type="case", subject_id=case_id,
                 detail={"via": via, "suppressed_escalations": suppressed})
    session.flush()
    return first
