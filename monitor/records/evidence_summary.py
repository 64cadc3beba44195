"""summary.pdf of an evidence pack: the case told in the order an investigator asks.

1. what was posted, where and when (with the text exactly as captured);
2. who was told and when (every alert, its delivery and acknowledgement);
3. every decision and by whom (human audit events and notes; views are in audit.jsonl);
4. referrals, take-downs and the complaint record;
5. how to check the pack (hashes of the content files, key fingerprint, chain result).

Every value that came from outside (the post, names, notes) is escaped by ``para_text``.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from monitor.config import Config
from monitor.models import User
from monitor.records.pdfsafe import local_day, local_when, para_text, styles

if TYPE_CHECKING:
    from monitor.records.evidence import CaseRecord

_SYSTEM_PREFIXES = ("system", "daemon:", "pipeline")
_NOT_DECISIONS = {"case.viewed", "evidence.opened"}
_GRID = TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP")])


def _table(header: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
    cell = styles()["Cell"]
    data = [[Paragraph(h, cell) for h in header]]
    data += [[Paragraph(para_text(v, limit=4000), cell) for v in r] for r in rows]
    t = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    t.setStyle(_GRID)
    return t


def _pairs(rows: list[tuple[str, Any]]) -> Table:
    cell = styles()["Cell"]
    t = Table([[Paragraph(k, cell), Paragraph(para_text(v, limit=4000), cell)] for k, v in rows],
              colWidths=[40 * mm, 140 * mm])
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                           ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return t


def _detail(detail: dict[str, Any] | None) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else ""


def summary_pdf(rec: CaseRecord, config: Config, *, description: dict[str, Any], built_by: User,
                built_at: datetime, fingerprint: str, content_hashes: dict[str, str]) -> bytes:
    ss = styles()
    h2, normal = ss["Heading2"], ss["Normal"]
    case, item = rec.case, rec.item
    loc = config.location(case.location_id)
    names = {p.id: p.name for p in config.people}
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm,
                            title=f"Evidence pack: case {case.id}", author=config.organisation)
    s: list[Any] = [
        Paragraph(f"Evidence pack — case #{case.id}", ss["Title"]),
        Paragraph(f"{para_text(config.organisation)} · built {local_when(built_at)} (UK time) by "
                  f"{para_text(built_by.display_name or built_by.username)} "
                  f"({para_text(built_by.username)}, {para_text(built_by.role)})", normal),
        Paragraph(f"Signing key fingerprint: <b>{para_text(fingerprint)}</b>", normal),
        Spacer(1, 4 * mm),
        Paragraph("1. What was posted, where and when", h2),
        _pairs([
            ("Platform", f"{item.platform} (account {item.account_id})"),
            ("Location", loc.name if loc else (case.location_id or "organisation-wide account")),
            ("Kind", item.kind + (f", reply to {item.parent_external_id}" if item.parent_external_id else "")),
            ("Author", f"{item.author_name or '?'} ({item.author_handle or 'no handle'})"
                       + (" — the organisation's own account" if item.author_is_owner else "")),
            ("Posted", local_when(item.created_at)),
            ("Captured by the monitor", local_when(item.fetched_at)),
            ("Permalink", item.permalink or "—"),
            ("Platform id", item.external_id),
            ("Case", (f"opened {local_when(case.opened_at)}; status {case.status}; severity "
                     f"{case.severity}; categories {', '.join(case.categories)}")),
            ("Versions", f"{len(description['versions'])} (text of each in content/text/)"),
            ("Media", (f"{len(description['media'])} item(s); "
                      f"{sum(1 for m in description['media'] if m.get('file'))} stored in content/media/")),
        ]),
        Spacer(1, 2 * mm),
        Paragraph("Text as captured (current version):", normal),
        Paragraph(para_text(item.text if item.text is not None else "[purged under the retention policy]",
                            limit=20_000), ss["Code"]),
    ]
    if rec.findings:
        s += [Spacer(1, 2 * mm), _table(
            ["Classifier", "Version", "Category", "Score", "Severity", "Evidence (spans)"],
            [[f.classifier, f.model_version, f.category, f"{f.score:.2f}", f.severity or "",
              ", ".join(f"{sp.get('type')} {sp.get('start')}–{sp.get('end')}" for sp in f.spans or [])]
             for f in rec.findings], [30, 22, 30, 14, 18, 66])]
    s += [Paragraph("2. Who was told and when", h2)]
    s += [_table(["To", "Channel", "Why", "Queued", "Delivered", "Acknowledged", "Status"],
                 [[names.get(a.recipient, a.recipient), a.channel,
                   a.reason + (f" (level {a.escalation_level})" if a.escalation_level else ""),
                   local_when(a.created_at), local_when(a.sent_at),
                   f"{local_when(a.acknowledged_at)} {a.acknowledged_by or ''}".strip(), a.status]
                  for a in rec.alerts], [32, 18, 26, 26, 26, 34, 18])
          if rec.alerts else Paragraph("No alerts were queued for this case.", normal)]
    decisions = [e for e in rec.events if e.action not in _NOT_DECISIONS]
    s += [Paragraph("3. Every decision and by whom", h2),
          _table(["When (UK)", "Who", "What", "Detail"],
                 [[local_when(e.at), e.actor, e.action, _detail(e.detail)] for e in decisions],
                 [28, 32, 34, 86])]
    if rec.notes:
        s += [Spacer(1, 2 * mm), _table(["When (UK)", "Who", "Note"],
                                        [[local_when(n.created_at), n.author, n.text] for n in rec.notes],
                                        [28, 32, 120])]
    views = [e for e in rec.events if e.action in _NOT_DECISIONS]
    s += [Paragraph(f"Views and openings of the case or its packs: {len(views)} (listed in audit.jsonl).",
                    ss["Small"])]
    s += [Paragraph("4. Referrals, take-downs and complaint", h2)]
    s += [_table(["Agency", "Reference", "Referred on", "By", "Notes"],
                 [[r.agency, r.reference or "—", local_day(r.referred_on), r.made_by, r.notes or ""]
                  for r in rec.referrals], [34, 30, 24, 26, 66])
          if rec.referrals else Paragraph("No referral has been recorded.", normal)]
    if rec.takedowns:
        s += [Spacer(1, 2 * mm), _table(["Action", "Requested by", "Requested", "Completed", "Status", "Result"],
                                        [[t.action, t.requested_by, local_when(t.created_at),
                                          local_when(t.completed_at), t.status, t.result or ""]
                                         for t in rec.takedowns], [18, 28, 28, 28, 18, 60])]
    if rec.complaint:
        c = rec.complaint
        s += [Spacer(1, 2 * mm), _pairs([
            ("Complaint", (f"#{c.id}, {c.status}; received {local_day(c.received_on)}, respond by "
                          f"{local_day(c.respond_by)}; complainant told {local_day(c.complainant_told_on)}")),
            ("Complainant", c.complainant or "not known"), ("Summary", c.summary),
            ("Investigation", c.investigation_notes or "—"), ("Outcome", c.outcome or "—")])]
    chain = rec.chain
    s += [Paragraph("5. Checking this pack", h2),
          Paragraph(f"Audit trail when the pack was built: <b>{para_text(str(chain))}</b>. "
                    f"{len(rec.events)} events of this case are in audit.jsonl, each with its hash.", normal),
          Paragraph("manifest.json lists every file with its SHA-256 and is signed (manifest.sig, "
                    "Ed25519). Run <i>safeguard evidence verify PACK.zip</i> and compare the key "
                    "fingerprint printed with the one above.", normal),
          Spacer(1, 2 * mm),
          _table(["Content file", "SHA-256"], [[p, h] for p, h in sorted(content_hashes.items())],
                 [60, 120])]
    doc.build(s)
    return buf.getvalue()
