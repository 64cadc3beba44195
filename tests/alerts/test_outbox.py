"""Outbox delivery against the fake Slack server: retries, exactly once, restarts, failures surfaced."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.clock import FrozenClock
from monitor.db import session_scope
from monitor.models import Alert, AuditEvent, Case
from monitor.notifiers.base import AlertMessage, DeliveryReceipt, Notifier
from monitor.outbox import CLAIM_SECONDS, build_notifiers, claim, deliver_due
from monitor.testing.fake_slack import FakeSlack
from monitor.types import AlertStatus
from tests.alerts.conftest import SLACK_TOKEN, SmtpServer, alerts_config, open_case

T0 = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
SAFEGUARDING = "he said my dad hits me and to keep it a secret"
ABUSE = "you are useless and pathetic"


def alerts_of(engine: Engine, case_id: int | None = None) -> list[Alert]:
    with session_scope(engine) as s:
        stmt = select(Alert).order_by(Alert.id)  # type: ignore[arg-type]
        if case_id is not None:
            stmt = stmt.where(Alert.case_id == case_id)
        return list(s.exec(stmt))


def audit_actions(engine: Engine) -> list[str]:
    with session_scope(engine) as s:
        return [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.seq))]  # type: ignore[arg-type]


def test_alert_reaches_slack_with_category_severity_location_platform_link_and_button(
        db: Engine, tmp_path: Path, slack: FakeSlack) -> None:
    """The Block Kit message carries what a manager needs to act, and nothing identifying."""
    config = alerts_config(tmp_path, slack=slack)
    case_id = open_case(db, config, "Tom from Oakfield Primary School is useless", ext="c9")
    result = deliver_due(db, config, build_notifiers(config), worker_id="w1")
    assert result.sent == len(alerts_of(db)) >= 1
    post = next(p for p in slack.posts if p["to"] == "U0SAM")
    text = str(post["message"]["blocks"])
    for needle in ("Bullying / abuse", "Child identifiable", "Oakfield Club", "facebook",
                   f"https://review.example.org/cases/{case_id}", "acknowledge"):
        assert needle in text
    assert "Primary School" not in text  # the school is masked in the excerpt
    assert post["metadata"]["event_payload"]["case_id"] == case_id
    sent = next(a for a in alerts_of(db) if a.recipient == "sm-oak")
    assert sent.status == AlertStatus.SENT and sent.provider_ref and sent.provider_ref.startswith("D")


def test_slack_down_delays_the_alert_then_delivers_it_exactly_once(
        db: Engine, tmp_path: Path, slack: FakeSlack) -> None:
    """Connection refused, then 500s, then a 429: the alert waits and arrives once, not lost."""
    config = alerts_config(tmp_path, slack=slack)
    with FrozenClock(T0) as clock:
        open_case(db, config, SAFEGUARDING)
        notifiers = build_notifiers(config)
        slack.down()
        assert deliver_due(db, config, notifiers, worker_id="w1").retried == 1
        clock.advance(minutes=11)
        assert deliver_due(db, config, notifiers, worker_id="w1").retried == 1
        slack.up()
        slack.fail("server_error", times=1)
        clock.advance(minutes=11)
        assert deliver_due(db, config, notifiers, worker_id="w1").retried == 1
        slack.fail("ratelimited", times=1, retry_after=120)
        clock.advance(minutes=11)
        assert deliver_due(db, config, notifiers, worker_id="w1").retried == 1
        (alert,) = alerts_of(db, 1)
        assert alert.next_attempt_at >= clock.now + timedelta(seconds=120)  # Retry-After honoured
        clock.advance(minutes=11)
        assert deliver_due(db, config, notifiers, worker_id="w1").sent == 1
        clock.advance(hours=2)
        deliver_due(db, config, notifiers, worker_id="w1")
    (alert,) = alerts_of(db, 1)
    assert alert.status == AlertStatus.SENT and alert.attempts == 5
    assert len(slack.posts_for_key(alert.idempotency_key)) == 1
    assert [p["to"] for p in slack.posts].count("U0DSL") == 1


class Crash(BaseException):
    """The process dying mid-delivery (not an Exception: nothing may catch it)."""


class CrashingNotifier(Notifier):
    channel = "slack"

    def __init__(self, inner: Notifier, *, after_send: bool) -> None:
        self.inner, self.after_send = inner, after_send

    def send(self, message: AlertMessage) -> DeliveryReceipt:
        if self.after_send:
            self.inner.send(message)
        raise Crash


@pytest.mark.parametrize("after_send", [True, False], ids=["died-after-posting", "died-before-posting"])
def test_restart_mid_delivery_redelivers_once_without_duplicate(
        db: Engine, tmp_path: Path, slack: FakeSlack, after_send: bool) -> None:
    """A SENDING row whose claim expired is taken over; Slack ends up with exactly one message."""
    config = alerts_config(tmp_path, slack=slack)
    with FrozenClock(T0) as clock:
        open_case(db, config, SAFEGUARDING)
        crashing = {"slack": CrashingNotifier(build_notifiers(config)["slack"], after_send=after_send)}
        with pytest.raises(Crash):
            deliver_due(db, config, crashing, worker_id="old")
        (alert,) = alerts_of(db)
        assert alert.status == AlertStatus.SENDING and alert.claimed_by == "old"
        fresh = build_notifiers(config)  # a new process: nothing remembered in memory
        clock.advance(seconds=CLAIM_SECONDS - 10)
        assert deliver_due(db, config, fresh, worker_id="new").sent == 0  # the lease still holds
        clock.advance(seconds=20)
        assert deliver_due(db, config, fresh, worker_id="new").sent == 1
    (alert,) = alerts_of(db)
    assert alert.status == AlertStatus.SENT and alert.claimed_by is None
    assert len(slack.posts_for_key(alert.idempotency_key)) == 1
    assert len([c for c in slack.calls if c.method == "chat.postMessage"]) == 1


def test_email_restart_before_sending_delivers_once(db: Engine, tmp_path: Path, smtp: SmtpServer) -> None:
    """An email claim abandoned by a dead sender is delivered once by the next one."""
    config = alerts_config(tmp_path, smtp=smtp)

    class Dies(Notifier):
        channel = "email"

        def send(self, message: AlertMessage) -> DeliveryReceipt:
            raise Crash

    with FrozenClock(T0) as clock:
        open_case(db, config, SAFEGUARDING)
        with pytest.raises(Crash):
            deliver_due(db, config, {"email": Dies()}, worker_id="old")
        clock.advance(seconds=CLAIM_SECONDS + 1)
        notifiers = build_notifiers(config)
        assert deliver_due(db, config, notifiers, worker_id="new").sent == 1
        clock.advance(hours=1)
        assert deliver_due(db, config, notifiers, worker_id="new").sent == 0
    assert [m["To"] for m in smtp.messages] == ["dsl@example.org"]


def test_failing_delivery_is_surfaced_to_the_admin_once_on_another_channel(
        db: Engine, tmp_path: Path, slack: FakeSlack, smtp: SmtpServer) -> None:
    """Slack down past the threshold: audited, and the admin is emailed once — then it still arrives."""
    config = alerts_config(tmp_path, slack=slack, smtp=smtp)
    with FrozenClock(T0) as clock:
        open_case(db, config, SAFEGUARDING)
        notifiers = build_notifiers(config)
        slack.down()
        deliver_due(db, config, notifiers, worker_id="w1")  # DSL email goes; Slack fails
        assert [m["To"] for m in smtp.messages] == ["dsl@example.org"]
        clock.advance(minutes=14)
        assert deliver_due(db, config, notifiers, worker_id="w1").surfaced == 0
        clock.advance(minutes=2)
        assert deliver_due(db, config, notifiers, worker_id="w1").surfaced == 1
        deliver_due(db, config, notifiers, worker_id="w1")  # the notice itself goes out
        for _ in range(4):
            clock.advance(minutes=11)
            assert deliver_due(db, config, notifiers, worker_id="w1").surfaced == 0
        slack.up()
        clock.advance(minutes=11)
        deliver_due(db, config, notifiers, worker_id="w1")
    notices = [m for m in smtp.messages if m["To"] == "admin@example.org"]
    assert len(notices) == 1
    body = notices[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "via slack" in body and "Dana DSL" in body and SLACK_TOKEN not in body
    assert audit_actions(db).count("alert.delivery_failing") == 1
    assert [p["to"] for p in slack.posts] == ["U0DSL"]


def test_permanent_slack_error_fails_at_once_and_is_surfaced(
        db: Engine, tmp_path: Path, slack: FakeSlack) -> None:
    """invalid_auth is not retried (a revoked token will not heal); the admin hears at once."""
    config = alerts_config(tmp_path, slack=slack)
    slack.fail("invalid_auth")
    with FrozenClock(T0):
        open_case(db, config, SAFEGUARDING)
        result = deliver_due(db, config, build_notifiers(config), worker_id="w1")
    assert (result.failed, result.retried, result.surfaced) == (1, 0, 1)
    dsl_alert, notice = alerts_of(db)
    assert dsl_alert.status == AlertStatus.FAILED and "invalid_auth" in (dsl_alert.last_error or "")
    assert notice.reason == "admin" and notice.channel == "mailbox" and notice.recipient == "admin"
    assert "alert.failed" in audit_actions(db)


def test_slack_token_never_appears_in_logs_errors_or_audit(
        db: Engine, tmp_path: Path, slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    """Whatever goes wrong, the bot token stays out of logs, stored errors and the audit trail."""
    caplog.set_level(logging.DEBUG)
    config = alerts_config(tmp_path, slack=slack)
    with FrozenClock(T0) as clock:
        open_case(db, config, SAFEGUARDING)
        notifiers = build_notifiers(config)
        for kind in ("server_error", "ratelimited", "timeout"):
            slack.fail(kind, times=1, retry_after=0)
            deliver_due(db, config, notifiers, worker_id="w1")
            clock.advance(minutes=11)
        slack.down()
        deliver_due(db, config, notifiers, worker_id="w1")
        slack.up()
        slack.fail("invalid_auth", times=1)
        clock.advance(minutes=11)
        deliver_due(db, config, notifiers, worker_id="w1")
    assert SLACK_TOKEN not in caplog.text
    assert SLACK_TOKEN not in repr(notifiers["slack"])
    for a in alerts_of(db):
        assert SLACK_TOKEN not in (a.last_error or "") + (a.note or "")
    with session_scope(db) as s:
        assert all(SLACK_TOKEN not in str(e.detail) for e in s.exec(select(AuditEvent)))


def test_low_severity_waits_for_the_end_of_quiet_hours_but_critical_does_not(
        db: Engine, tmp_path: Path, slack: FakeSlack) -> None:
    """At 23:30 a low alert is held until 07:00 London time; a safeguarding one goes at once."""
    config = alerts_config(tmp_path, slack=slack, quiet_hours=["21:00", "07:00"])
    night = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    with FrozenClock(night) as clock:
        low_case = open_case(db, config, ABUSE, ext="c-low")
        with session_scope(db) as s:
            for a in s.exec(select(Alert).where(Alert.case_id == low_case)):
                a.severity = "low"
                s.add(a)
        open_case(db, config, SAFEGUARDING, ext="c-crit")
        notifiers = build_notifiers(config)
        r = deliver_due(db, config, notifiers, worker_id="w1")
        assert (r.sent, r.held) == (1, 1)
        assert [p["to"] for p in slack.posts] == ["U0DSL"]
        clock.advance(hours=7, minutes=29)  # 06:59
        assert deliver_due(db, config, notifiers, worker_id="w1").sent == 0
        clock.advance(minutes=2)
        assert deliver_due(db, config, notifiers, worker_id="w1").sent == 1
    assert [p["to"] for p in slack.posts] == ["U0DSL", "U0SAM"]


def test_daily_digest_sends_one_message_for_all_low_alerts(
        db: Engine, tmp_path: Path, slack: FakeSlack) -> None:
    """Low alerts for one person gather into one digest message at the digest time."""
    config = alerts_config(tmp_path, slack=slack, digest_time="08:00")
    with FrozenClock(datetime(2026, 11, 26, 12, 0, tzinfo=UTC)) as clock:
        cases = [open_case(db, config, ABUSE, ext=f"c{i}") for i in range(3)]
        with session_scope(db) as s:
            for a in s.exec(select(Alert)):
                a.severity = "low"
                s.add(a)
        notifiers = build_notifiers(config)
        assert deliver_due(db, config, notifiers, worker_id="w1").held == 3
        clock.advance(hours=20, minutes=1)  # 08:01 next day
        assert deliver_due(db, config, notifiers, worker_id="w1").sent == 3
    (post,) = slack.posts
    assert "Daily digest: 3" in post["message"]["text"]
    assert all(f"case #{c}" in str(post["message"]["blocks"]) for c in cases)
    assert {a.status for a in alerts_of(db)} == {AlertStatus.SENT}


def _queue_bare_alerts(engine: Engine, n: int) -> None:
    from tests.helpers import ingest, item, org_config, process, setup_org

    config = org_config()
    setup_org(engine, config)
    ingest(engine, [item("c1", ABUSE)])
    process(engine, config)
    with session_scope(engine) as s:
        case = s.exec(select(Case)).one()
        for i in range(n):
            s.add(Alert(case_id=case.id, recipient=f"p{i}", channel="mailbox",  # type: ignore[arg-type]
                        severity="medium", idempotency_key=f"test:{i}"))


def test_two_senders_never_claim_the_same_alert(engine: Engine) -> None:
    """Concurrent claims (SKIP LOCKED on PostgreSQL) split the due alerts without overlap."""
    _queue_bare_alerts(engine, 40)
    got: dict[str, list[int]] = {}
    barrier = threading.Barrier(2)

    def run(worker: str) -> None:
        barrier.wait()
        ids: list[int] = []
        while batch := claim(engine, worker_id=worker, limit=5):
            ids += batch
        got[worker] = ids

    threads = [threading.Thread(target=run, args=(w,)) for w in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not set(got["a"]) & set(got["b"])
    assert len(got["a"]) + len(got["b"]) == len(alerts_of(engine)) == 41


def test_expired_claim_is_taken_over_and_a_live_one_is_not(engine: Engine) -> None:
    """A dead sender's lease expires and another sender takes the alert; a live lease is respected."""
    _queue_bare_alerts(engine, 2)
    with FrozenClock(datetime.now(UTC)) as clock:
        first = claim(engine, worker_id="a", limit=100)
        assert claim(engine, worker_id="b", limit=100) == []
        clock.advance(seconds=CLAIM_SECONDS + 1)
        assert sorted(claim(engine, worker_id="b", limit=100)) == sorted(first)
