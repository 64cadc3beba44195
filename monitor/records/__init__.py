"""Records that stand up to an inspection (issue 10).

- ``complaints``: the complaints log, deadlines, reminders (``remind_due`` daemon job);
- ``complaints_export``: the log as CSV (formula-safe) and PDF (markup-safe);
- ``evidence`` / ``evidence_verify``: signed evidence packs and their verification;
- ``report`` / ``report_data`` / ``report_charts``: the monthly report (HTML, PDF, charts);
- ``report_mail``: e-mailing the reports on the first of the month (daemon job);
- ``access``: who may build and open which record;
- ``cli``: ``register(app, bench)``; ``web``: the review-app router and page pieces.
"""

from monitor.records.access import can_access_pack, report_scope
from monitor.records.complaints import due_complaints, open_complaint, remind_due, update_complaint
from monitor.records.evidence import build_pack, record_opened
from monitor.records.evidence_verify import VerifyReport, verify_pack
from monitor.records.report import Report, build_report
from monitor.records.report_mail import email_monthly_reports, monthly_reports_job

__all__ = [
    "Report",
    "VerifyReport",
    "build_pack",
    "build_report",
    "can_access_pack",
    "due_complaints",
    "email_monthly_reports",
    "monthly_reports_job",
    "open_complaint",
    "record_opened",
    "remind_due",
    "report_scope",
    "update_complaint",
    "verify_pack",
]
