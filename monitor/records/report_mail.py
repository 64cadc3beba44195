"""E-mailing the monthly reports on the first of the month (a daemon job).

Who gets what:
- the organisation's report (all cases) → the DSL, the deputy, the admins and
  ``records.report_recipients``;
- each location's report, without safeguarding cases → that location's Setting Managers.

Why not through the alert outbox? An alert is a short message about one case; a report
is a PDF attachment about a month. It goes over the same SMTP settings
(``alerts.email``), or into the mailbox file when no SMTP server is configured (the demo).

Idempotency: each (month, report, person) sent is recorded as an audit event
``report.sent`` with subject ``report:<month>:<scope>:<person>``; one already recorded is
not sent again, so the job can run every hour on every replica. The window between
sending and recording is one SMTP call.
"""

from __future__ import annotations

import fcntl
import logging
import mailbox
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor import audit
from monitor.clock import ensure_utc, utcnow
from monitor.config import Config, Person, read_secret
from monitor.db import session_scope
from monitor.models import AuditEvent
from monitor.records.report import Report, build_report, hours, month_name, percent
from monitor.records.report_data import previous_month

log = logging.getLogger(__name__)
CATCH_UP_DAYS = 7  # a daemon that was down on the 1st still sends within the first week


def plan(config: Config) -> list[tuple[str | None, bool, list[str]]]:
    """(location id or None, include safeguarding, person ids) for each report to send."""
    org = [p for p in (config.dsl, config.deputy_dsl, *config.admins, *config.records.report_recipients) if p]
    out: list[tuple[str | None, bool, list[str]]] = [(None, True, list(dict.fromkeys(org)))]
    for loc in config.locations:
        if loc.setting_managers:
            out.append((loc.id, False, list(loc.setting_managers)))
    return out


def body_text(report: Report, person: Person) -> str:
    f = report.figures
    return "\n".join([
        f"Hello {person.name},", "",
        f"The monitor's report for {f.scope}, {month_name(f.month)}, is attached (PDF).", "",
        f"Items watched:        {f.items_total:,}",
        f"Cases opened:         {f.cases_total}",
        f"Acknowledged:         median {hours(f.acknowledge.median_hours)}, worst {hours(f.acknowledge.worst_hours)}",
        f"Resolved:             median {hours(f.resolve.median_hours)}, worst {hours(f.resolve.worst_hours)}",
        f"Escalations:          {sum(f.escalations.values())}",
        f"Take-downs:           {sum(f.takedowns.values())}",
        f"False-positive rate:  {percent(f.false_positive_rate)}",
        f"Complaints:           {f.complaints_received} received, {f.complaints_overdue} overdue", "",
        "Do not forward this report outside the organisation.",
    ])


def build_message(report: Report, person: Person, *, sender: str) -> EmailMessage:
    f = report.figures
    em = EmailMessage()
    em["Subject"] = f"Monthly report: {f.scope}, {month_name(f.month)}"
    em["From"] = sender
    em["To"] = person.email or person.id
    em["Date"] = formatdate(localtime=False)
    em["Message-ID"] = make_msgid(domain="safeguard-monitor")
    em["Auto-Submitted"] = "auto-generated"
    em.set_content(body_text(report, person))
    em.add_attachment(report.pdf, maintype="application", subtype="pdf", filename=f"{report.slug}.pdf")
    return em


def _deliver(config: Config, em: EmailMessage) -> str:
    ec = config.alerts.email
    if ec is not None:
        with smtplib.SMTP(ec.host, ec.port, timeout=ec.timeout) as smtp:
            smtp.ehlo()
            if ec.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if ec.username:
                smtp.login(ec.username, read_secret(env=ec.password_env) or "")
            smtp.send_message(em)
        return "email"
    if config.alerts.mailbox_file:
        path = Path(config.alerts.mailbox_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_suffix(path.suffix + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            box = mailbox.mbox(path)
            try:
                box.add(em)
                box.flush()
            finally:
                box.close()
        return "mailbox"
    raise RuntimeError("neither alerts.email nor alerts.mailbox_file is configured")


def email_monthly_reports(engine: Engine, config: Config, *, month: str,
                          now: datetime | None = None, actor: str = "daemon") -> int:
    """Send every report of ``month`` not sent yet; returns how many messages went out."""
    now = now or utcnow()
    sender = config.alerts.email.sender if config.alerts.email else "safeguard-monitor@localhost"
    sent = 0
    for location_id, with_safeguarding, people in plan(config):
        scope = location_id or "organisation"
        subjects = {pid: f"{month}:{scope}:{pid}" for pid in people}
        with session_scope(engine) as session:
            done = set(session.exec(select(AuditEvent.subject_id).where(
                AuditEvent.subject_type == "report", AuditEvent.action == "report.sent",
                AuditEvent.subject_id.in_(list(subjects.values())))))  # type: ignore[attr-defined]
            todo = [p for p in people if subjects[p] not in done]
            if not todo:
                continue
            report = build_report(session, config, month=month, location_id=location_id,
                                  include_safeguarding=with_safeguarding, now=now)
        for pid in todo:
            person = config.person(pid)
            if person is None:
                continue
            try:
                channel = _deliver(config, build_message(report, person, sender=sender))
            except (OSError, smtplib.SMTPException, RuntimeError) as err:
                log.warning("monthly report %s for %s not sent: %s", subjects[pid], pid, err)
                continue
            with session_scope(engine) as session:
                audit.append(session, actor=actor, action="report.sent", subject_type="report",
                             subject_id=subjects[pid], at=now,
                             detail={"month": month, "scope": scope, "to": pid, "channel": channel,
                                     "safeguarding_included": with_safeguarding})
            sent += 1
    return sent


def monthly_reports_job(engine: Engine, config: Config, *, worker_id: str,
                        now: datetime | None = None) -> int:
    """The daemon job: in the first week of a month, send last month's reports once."""
    now = now or utcnow()
    local = (ensure_utc(now) or now).astimezone(ZoneInfo(config.timezone))
    if local.day > CATCH_UP_DAYS:
        return 0
    return email_monthly_reports(engine, config, month=previous_month(now, config.timezone),
                                 now=now, actor=f"daemon:{worker_id}")
