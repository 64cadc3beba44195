"""Escalation with a controllable clock: Setting Manager → DSL → deputy DSL, stopped by acknowledgement."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.clock import FrozenClock
from monitor.db import session_scope
from monitor.escalation import acknowledge, escalate_due
from monitor.models import Alert, AuditEvent, Case
from monitor.outbox import build_notifiers, deliver_due
from monitor.testing.fake_slack import FakeSlack
from monitor.types import AlertStatus
from tests.alerts.conftest import alerts_config, open_case

T0 = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
ABUSE = "you are useless and pathetic"  # medium abuse: the Setting Manager first
SAFEGUARDING = "he said my dad hits me"


def recipients_by_level(engine: Engine) -> list[tuple[int, str, str]]:
    with session_scope(engine) as s:
        return [(a.escalation_level, a.recipient, a.reason)
                for a in s.exec(select(Alert).where(Alert.reason != "admin").order_by(Alert.id))]  # type: ignore[arg-type]


def audit_of(engine: Engine, action: str) -> list[AuditEvent]:
    with session_scope(engine) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_unacknowledged_alert_climbs_the_chain_on_time(engine: Engine, tmp_path: Path, slack: FakeSlack) -> None:
    """Nothing at 29 minutes; the DSL at 31; the deputy 30 minutes later; then the chain ends."""
    db = engine  # SQLite and PostgreSQL
    config = alerts_config(tmp_path, slack=slack)
    with FrozenClock(T0) as clock:
        case_id = open_case(db, config, ABUSE)
        notifiers = build_notifiers(config)
        deliver_due(db, config, notifiers, worker_id="w")
        clock.advance(minutes=29)
        assert escalate_due(db, config, worker_id="w") == 0
        clock.advance(minutes=2)
        assert escalate_due(db, config, worker_id="w") == 1
        assert escalate_due(db, config, worker_id="w") == 0  # a step is taken once
        deliver_due(db, config, notifiers, worker_id="w")
        clock.advance(minutes=29)
        assert escalate_due(db, config, worker_id="w") == 0
        clock.advance(minutes=2)
        assert escalate_due(db, config, worker_id="w") == 1
        deliver_due(db, config, notifiers, worker_id="w")
        clock.advance(minutes=31)
        assert escalate_due(db, config, worker_id="w") == 0  # end of the chain
        clock.advance(hours=5)
        assert escalate_due(db, config, worker_id="w") == 0
    assert recipients_by_level(db) == [(0, "sm-oak", "new_case"), (1, "dsl", "escalation"),
                                       (2, "deputy", "escalation")]
    assert [p["to"] for p in slack.posts] == ["U0SAM", "U0DSL", "U0DEP"]
    assert slack.posts[1]["message"]["text"].startswith("ESCALATED:")
    steps = audit_of(db, "case.escalated")
    assert [(e.subject_id, e.detail["level"], e.detail["to"]) for e in steps] == [  # type: ignore[index]
        (str(case_id), 1, ["dsl/slack"]), (str(case_id), 2, ["deputy/slack"])]
    assert len(audit_of(db, "case.escalation_exhausted")) == 1


def test_safeguarding_goes_to_the_dsl_at_once_and_escalates_to_the_deputy(
        db: Engine, tmp_path: Path, slack: FakeSlack) -> None:
    """The DSL is told first for safeguarding; unacknowledged, the deputy DSL is next."""
    config = alerts_config(tmp_path, slack=slack)
    with FrozenClock(T0) as clock:
        open_case(db, config, SAFEGUARDING)
        clock.advance(minutes=31)
        assert escalate_due(db, config, worker_id="w") == 1
    assert recipients_by_level(db) == [(0, "dsl", "new_case"), (1, "deputy", "escalation")]


def test_acknowledgement_stops_escalation_and_is_audited(db: Engine, tmp_path: Path, slack: FakeSlack) -> None:
    """Acknowledged at 10 minutes: no escalation ever, and the audit says who, when and how."""
    config = alerts_config(tmp_path, slack=slack)
    with FrozenClock(T0) as clock:
        case_id = open_case(db, config, ABUSE)
        clock.advance(minutes=10)
        with session_scope(db) as s:
            assert acknowledge(s, case_id, by="sm-oak", via="review") is True
        with session_scope(db) as s:
            assert acknowledge(s, case_id, by="dsl", via="slack") is False  # already done
        clock.advance(hours=3)
        assert escalate_due(db, config, worker_id="w") == 0
    assert recipients_by_level(db) == [(0, "sm-oak", "new_case")]
    with session_scope(db) as s:
        case = s.get(Case, case_id)
        assert case is not None and case.acknowledged_by == "sm-oak"
        assert case.acknowledged_at == datetime(2026, 11, 26, 14, 10, tzinfo=UTC)
    (ev,) = audit_of(db, "case.acknowledged")
    assert (ev.actor, ev.detail) == ("sm-oak", {"via": "review", "suppressed_escalations": 0})
    assert len(audit_of(db, "case.acknowledged_again")) == 1


def test_acknowledgement_suppresses_an_escalation_not_yet_delivered(
        db: Engine, tmp_path: Path, slack: FakeSlack) -> None:
    """If the manager acknowledges while the escalation waits in the outbox, the DSL is not bothered."""
    config = alerts_config(tmp_path, slack=slack)
    with FrozenClock(T0) as clock:
        case_id = open_case(db, config, ABUSE)
        notifiers = build_notifiers(config)
        deliver_due(db, config, notifiers, worker_id="w")
        clock.advance(minutes=31)
        escalate_due(db, config, worker_id="w")
        with session_scope(db) as s:
            acknowledge(s, case_id, by="sm-oak", via="email")
        deliver_due(db, config, notifiers, worker_id="w")
    with session_scope(db) as s:
        esc = s.exec(select(Alert).where(Alert.reason == "escalation")).one()
        assert esc.status == AlertStatus.SUPPRESSED
    assert [p["to"] for p in slack.posts] == ["U0SAM"]


def test_escalation_continues_while_the_channel_is_down(db: Engine, tmp_path: Path, slack: FakeSlack) -> None:
    """An alert that could not even be delivered is unacknowledged too: the next person is told."""
    config = alerts_config(tmp_path, slack=slack)
    with FrozenClock(T0) as clock:
        open_case(db, config, ABUSE)
        slack.down()
        deliver_due(db, config, build_notifiers(config), worker_id="w")
        clock.advance(minutes=31)
        assert escalate_due(db, config, worker_id="w") == 1
    assert recipients_by_level(db)[1] == (1, "dsl", "escalation")


def test_escalation_queued_before_a_review_page_acknowledgement_is_not_sent(
        db: Engine, tmp_path: Path, slack: FakeSlack) -> None:
    """Whatever path marked the case acknowledged, a waiting escalation is suppressed, not sent."""
    config = alerts_config(tmp_path, slack=slack)
    with FrozenClock(T0) as clock:
        case_id = open_case(db, config, ABUSE)
        notifiers = build_notifiers(config)
        deliver_due(db, config, notifiers, worker_id="w")
        clock.advance(minutes=31)
        escalate_due(db, config, worker_id="w")
        with session_scope(db) as s:  # as the review page does it: straight on the case
            case = s.get(Case, case_id)
            assert case is not None
            case.acknowledged_at, case.acknowledged_by = clock.now, "reviewer"
            s.add(case)
        deliver_due(db, config, notifiers, worker_id="w")
    assert [p["to"] for p in slack.posts] == ["U0SAM"]
    with session_scope(db) as s:
        assert s.exec(select(Alert).where(Alert.reason == "escalation")).one().status == AlertStatus.SUPPRESSED


def test_acknowledgement_is_shown_on_every_delivered_slack_message(
        db: Engine, tmp_path: Path, slack: FakeSlack) -> None:
    """Once the manager acknowledges, the DSL's copy loses its button and says who acknowledged."""
    config = alerts_config(tmp_path, slack=slack)
    with FrozenClock(T0) as clock:
        case_id = open_case(db, config, "watch your back")  # high abuse: manager and DSL
        notifiers = build_notifiers(config)
        deliver_due(db, config, notifiers, worker_id="w")
        assert len(slack.posts) == 2
        clock.advance(minutes=5)
        with session_scope(db) as s:
            acknowledge(s, case_id, by="sm-oak", via="slack")
        slack.down()
        assert deliver_due(db, config, notifiers, worker_id="w").acks_shown == 0  # Slack down: later
        slack.up()
        clock.advance(minutes=3)
        assert deliver_due(db, config, notifiers, worker_id="w").acks_shown == 2
        assert deliver_due(db, config, notifiers, worker_id="w").acks_shown == 0  # once
    for post in slack.posts:
        blocks = str(post["message"]["blocks"])
        assert "Acknowledged by Sam Oakfield at 14:05" in blocks and "'actions'" not in blocks
    assert len([c for c in slack.calls if c.method == "chat.update"]) == 2  # each message edited once
