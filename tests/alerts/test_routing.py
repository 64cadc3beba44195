"""Routing table and timing: who is told at once, on which channel, and when low waits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.routing import escalation_chain, hold_until, recipients
from monitor.testing.fake_slack import FakeSlack
from monitor.types import Category, Severity
from tests.alerts.conftest import alerts_config

S, CI, AB, CO, PD = (Category.SAFEGUARDING, Category.CHILD_IDENTIFICATION, Category.ABUSE,
                     Category.COMPLAINT, Category.PERSONAL_DATA)


@pytest.mark.parametrize(("categories", "severity", "location", "org_author", "expected"), [
    ([S], Severity.CRITICAL, "oakfield", False, {"dsl"}),
    ([S], Severity.CRITICAL, None, False, {"dsl"}),
    ([CI], Severity.HIGH, "oakfield", True, {"sm-oak", "dsl"}),
    ([CI], Severity.MEDIUM, "oakfield", False, {"sm-oak", "dsl"}),
    ([AB], Severity.MEDIUM, "oakfield", False, {"sm-oak"}),
    ([AB], Severity.HIGH, "oakfield", False, {"sm-oak", "dsl"}),
    ([CO], Severity.HIGH, "oakfield", False, {"sm-oak"}),
    ([CO], Severity.LOW, "oakfield", False, {"sm-oak"}),
    ([PD], Severity.MEDIUM, "oakfield", False, {"sm-oak"}),
    ([CO], Severity.MEDIUM, None, False, {"dsl"}),  # no Setting Manager: the DSL
    ([S, CO], Severity.CRITICAL, "oakfield", False, {"dsl", "sm-oak"}),
])
def test_routing_table(tmp_path: Path, categories: list[Category], severity: Severity,
                       location: str | None, org_author: bool, expected: set[str]) -> None:
    """Each category reaches the people categories.md and issue 4 name, no more, no fewer."""
    config = alerts_config(tmp_path)
    got = recipients(categories, severity, config, location_id=location, organisation_author=org_author)
    assert {r.person_id for r in got} == expected


def test_channels_follow_what_each_person_can_receive(tmp_path: Path) -> None:
    """Slack only for people with a member id, email for people with an address, mailbox when nothing else."""
    slack = FakeSlack()
    config = alerts_config(tmp_path, slack=slack, smtp=None)
    got = recipients([S], Severity.CRITICAL, config, location_id="oakfield")
    assert {(r.person_id, r.channel) for r in got} == {("dsl", "slack")}
    bare = alerts_config(tmp_path)
    assert {r.channel for r in recipients([S], Severity.CRITICAL, bare, location_id=None)} == {"mailbox"}


def test_policy_rules_add_recipients_but_never_remove_the_dsl(tmp_path: Path) -> None:
    """An organisation may add the deputy at once; the DSL stays on every safeguarding case."""
    config = alerts_config(tmp_path).model_copy(deep=True)
    rule = {"categories": ["safeguarding"], "notify": ["deputy_dsl"]}
    from monitor.config import parse_config

    data = config.model_dump(mode="json")
    data["policy"]["routing"] = [rule]
    config = parse_config(data)
    got = {r.person_id for r in recipients([S], Severity.CRITICAL, config, location_id="oakfield")}
    assert got == {"dsl", "deputy"}


NIGHT = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)  # 23:30 in London (GMT)
DAY = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SUMMER_NIGHT = datetime(2026, 7, 1, 5, 30, tzinfo=UTC)  # 06:30 BST


@pytest.mark.parametrize(("severity", "now", "expected"), [
    (Severity.CRITICAL, NIGHT, None),  # safeguarding: at once, whatever the hour
    (Severity.HIGH, NIGHT, None),
    (Severity.MEDIUM, NIGHT, None),
    (Severity.LOW, DAY, None),
    (Severity.LOW, NIGHT, datetime(2026, 11, 27, 7, 0, tzinfo=UTC)),
    (Severity.LOW, SUMMER_NIGHT, datetime(2026, 7, 1, 6, 0, tzinfo=UTC)),  # 07:00 BST
])
def test_quiet_hours_hold_back_low_severity_only(tmp_path: Path, severity: Severity, now: datetime,
                                                 expected: datetime | None) -> None:
    """Quiet hours (London time) delay a low alert to their end and never anything higher."""
    config = alerts_config(tmp_path, quiet_hours=["21:00", "07:00"])
    assert hold_until(severity, now, config) == expected


def test_digest_gathers_low_severity_for_the_next_digest_time(tmp_path: Path) -> None:
    """With a digest time, a low alert waits for the next one; a critical one does not."""
    config = alerts_config(tmp_path, digest_time="08:00")
    assert hold_until(Severity.LOW, DAY, config) == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert hold_until(Severity.CRITICAL, DAY, config) is None


def test_escalation_chain_is_manager_then_dsl_then_deputy(tmp_path: Path) -> None:
    """The default chain, per location; a location without a manager starts at the DSL."""
    config = alerts_config(tmp_path)
    assert escalation_chain(config, "oakfield") == [["sm-oak"], ["dsl"], ["deputy"]]
    assert escalation_chain(config, None) == [["dsl"], ["deputy"]]
