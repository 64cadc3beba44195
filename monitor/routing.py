"""Routing: who is told about a case, on which channels, and when.

Defaults follow categories.md "who is told first" and issue 4:

- safeguarding → the DSL, at once, whatever the hour (the deputy DSL is the next step of
  the escalation chain, so a DSL who does not acknowledge is covered);
- child identification (a child identifiable, e.g. in an official post) → the location's
  Setting Manager(s) and the DSL;
- abuse → Setting Manager, and the DSL when high (a child is the target, threats, hate);
- complaint and personal data (reputational risk) → Setting Manager.

Rules in ``policy.routing`` add recipients; they never remove the DSL from a
safeguarding case. A location without a Setting Manager falls back to the DSL.

Timing: quiet hours and the daily digest hold back LOW severity only; medium and above
always go at once (``hold_until``). Times are judged in ``config.timezone``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.config import Config, Person, RoutingRule
from monitor.types import Category, Severity

DEFAULT_RULES: tuple[RoutingRule, ...] = (
    RoutingRule(categories=[Category.SAFEGUARDING], notify=["dsl"]),
    RoutingRule(categories=[Category.CHILD_IDENTIFICATION], notify=["setting_managers", "dsl"]),
    RoutingRule(categories=[Category.ABUSE], notify=["setting_managers"]),
    RoutingRule(categories=[Category.ABUSE], min_severity=Severity.HIGH, notify=["dsl"]),
    RoutingRule(categories=[Category.COMPLAINT, Category.PERSONAL_DATA], notify=["setting_managers"]),
)


@dataclass(frozen=True, order=True)
class Recipient:
    person_id: str
    channel: str  # email | slack | mailbox


def people_for(target: str, config: Config, location_id: str | None) -> list[str]:
    """Person ids for a routing target (``dsl``, ``setting_managers``, a person id, ...)."""
    if target == "dsl":
        return [config.dsl] if config.dsl else []
    if target == "deputy_dsl":
        return [config.deputy_dsl] if config.deputy_dsl else []
    if target == "admins":
        return list(config.admins)
    if target == "setting_managers":
        loc = config.location(location_id)
        if loc and loc.setting_managers:
            return list(loc.setting_managers)
        return [config.dsl] if config.dsl else []  # no manager for that account: the DSL
    return [target] if config.person(target) else []


_people_for = people_for  # the earlier private name


def channels_for(person: Person, wanted: Iterable[str], config: Config) -> list[str]:
    """Channels this person can actually be reached on, from those a rule wants."""
    out: list[str] = []
    for ch in wanted:
        if ch == "slack" and config.alerts.slack and person.slack_user or ch == "email" and config.alerts.email and person.email or ch == "mailbox" and config.alerts.mailbox_file:
            out.append(ch)
    if not out and config.alerts.mailbox_file:
        out.append("mailbox")  # never drop an alert for want of a channel
    return out


def recipients(categories: Iterable[Category], severity: Severity, config: Config, *,
               location_id: str | None, organisation_author: bool = False) -> list[Recipient]:
    """Everyone told at once about a case with these categories and this severity."""
    cats = set(categories)
    result: set[Recipient] = set()
    for rule in (*DEFAULT_RULES, *config.policy.routing):
        if rule.categories and not cats.intersection(rule.categories):
            continue
        if severity.rank < rule.min_severity.rank:
            continue
        if rule.organisation_author_only and not organisation_author:
            continue
        for target in rule.notify:
            for pid in people_for(target, config, location_id):
                person = config.person(pid)
                if person is None:
                    continue
                for ch in channels_for(person, rule.channels or ["email", "slack"], config):
                    result.add(Recipient(pid, ch))
    return sorted(result)


def escalation_chain(config: Config, location_id: str | None) -> list[list[str]]:
    """The chain as steps of person ids (Setting Manager → DSL → deputy DSL by default).

    A person appears at their first step only, so a DSL who is also a location's Setting
    Manager is not escalated to twice.
    """
    steps: list[list[str]] = []
    seen: set[str] = set()
    for target in config.alerts.escalation_chain:
        step = [p for p in people_for(target, config, location_id) if p not in seen]
        seen.update(step)
        if step:
            steps.append(step)
    return steps


# -- timing: quiet hours and digest, LOW severity only -----------------------------------
def _hhmm(value: str) -> time:
    h, m = value.strip().split(":")
    return time(int(h), int(m))


def _next_local(now_local: datetime, at: time) -> datetime:
    cand = now_local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return cand if cand > now_local else cand + timedelta(days=1)


def in_quiet_hours(now: datetime, config: Config) -> bool:
    qh = config.alerts.quiet_hours
    if not qh:
        return False
    start, end = _hhmm(qh[0]), _hhmm(qh[1])
    t = now.astimezone(ZoneInfo(config.timezone)).time()
    if start <= end:
        return start <= t < end
    return t >= start or t < end  # spans midnight, e.g. 21:00 → 07:00


def hold_until(severity: Severity | str, now: datetime, config: Config) -> datetime | None:
    """When a new alert of this severity may be delivered; None means now.

    Only LOW severity is ever held: with a digest time, until the next digest; otherwise
    until the end of quiet hours. Anything medium or above — and so every safeguarding
    concern (critical) — goes at once, whatever the hour.
    """
    if Severity(severity) is not Severity.LOW:
        return None
    tz = ZoneInfo(config.timezone)
    local = now.astimezone(tz)
    if config.alerts.digest_time:
        slot = _next_local(local, _hhmm(config.alerts.digest_time))
        return _normalise(slot, tz)
    if in_quiet_hours(now, config):
        assert config.alerts.quiet_hours is not None
        return _normalise(_next_local(local, _hhmm(config.alerts.quiet_hours[1])), tz)
    return None


def _normalise(local: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock local time as aware UTC (re-attaching the zone fixes DST jumps)."""
    from datetime import UTC

    return local.replace(tzinfo=None).replace(tzinfo=tz).astimezone(UTC)
