"""Alert wording shared by every channel, so Slack, email and the mailbox say the same.

``facts`` is the single source: the plain text, the HTML (every value escaped — an excerpt
is attacker-controlled text from a public comment) and the Slack blocks are all built from
it. Excerpts arrive already masked and are empty for safeguarding unless configured.
"""

from __future__ import annotations

from html import escape

from monitor.notifiers.base import AlertMessage

CATEGORY_TITLES = {
    "safeguarding": "Safeguarding concern",
    "child_identification": "Child identifiable",
    "abuse": "Bullying / abuse",
    "complaint": "Complaint or incident in public",
    "personal_data": "Personal data exposed",
}
FOOTER = "Do not reply to or discuss this publicly; follow the safeguarding policy."


def category_titles(m: AlertMessage) -> str:
    return ", ".join(CATEGORY_TITLES.get(c, c) for c in m.categories)


def subject(m: AlertMessage) -> str:
    if m.reason == "admin":
        first = (m.note or "Safeguard Monitor notice").splitlines()[0]
        return f"[ADMIN] {first}"[:200]
    if m.reason == "digest":
        return f"[LOW] Daily digest: {len(m.entries)} low-severity alert(s)"
    prefix = "ESCALATED: " if m.reason == "escalation" else ""
    return f"{prefix}[{m.severity.upper()}] {category_titles(m)} — {m.location} ({m.platform}) case #{m.case_id}"


def facts(m: AlertMessage) -> list[tuple[str, str]]:
    """(label, value) pairs every channel shows, in order."""
    return [("Severity", m.severity), ("Categories", category_titles(m)),
            ("Location", m.location), ("Platform", m.platform)]


def headline(m: AlertMessage) -> str:
    if m.reason == "escalation":
        return f"Case #{m.case_id} was not acknowledged in time and is escalated to you."
    if m.reason == "updated":
        return f"Case #{m.case_id} was updated (new detail or higher severity)."
    return f"Safeguard Monitor flagged case #{m.case_id}."


def render_text(m: AlertMessage) -> str:
    if m.reason == "admin":
        return f"Hello {m.recipient_name},\n\n{m.note}\n\nReview page: {m.case_url}"
    if m.reason == "digest":
        lines = [f"Hello {m.recipient_name},", "", subject(m), ""]
        for e in m.entries:
            lines.append(f"- case #{e.case_id}: {category_titles(e)} — {e.location} ({e.platform})")
            if e.excerpt:
                lines.append(f"  {e.excerpt}")
            lines.append(f"  {e.case_url}")
        return "\n".join(lines + ["", FOOTER])
    lines = [f"Hello {m.recipient_name},", "", headline(m)]
    lines += [f"{label + ':':<12}{value}" for label, value in facts(m)]
    if m.excerpt:
        lines += ["", f"Excerpt (identifying details masked): {m.excerpt}"]
    lines += ["", f"Review the case: {m.case_url}", f"Acknowledge: {m.ack_url}", "", FOOTER]
    return "\n".join(lines)


def render_html(m: AlertMessage) -> str:
    """The same content as ``render_text``, every value HTML-escaped."""
    e = escape
    if m.reason == "admin":
        paras = "".join(f"<p>{e(p)}</p>" for p in m.note.split("\n\n"))
        body = f"<p>Hello {e(m.recipient_name)},</p>{paras.replace(chr(10), '<br>')}" \
               f'<p>Review page: <a href="{e(m.case_url)}">{e(m.case_url)}</a></p>'
    elif m.reason == "digest":
        rows = "".join(
            f'<li>case <a href="{e(x.case_url)}">#{x.case_id}</a>: {e(category_titles(x))} — '
            f"{e(x.location)} ({e(x.platform)})"
            + (f"<br><q>{e(x.excerpt)}</q>" if x.excerpt else "") + "</li>"
            for x in m.entries)
        body = f"<p>Hello {e(m.recipient_name)},</p><p>{e(subject(m))}</p><ul>{rows}</ul>" \
               f"<p><small>{e(FOOTER)}</small></p>"
    else:
        rows = "".join(f"<tr><th align=left>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts(m))
        excerpt = (f"<p>Excerpt (identifying details masked):<br><q>{e(m.excerpt)}</q></p>"
                   if m.excerpt else "")
        body = (f"<p>Hello {e(m.recipient_name)},</p><p>{e(headline(m))}</p><table>{rows}</table>"
                f"{excerpt}"
                f'<p><a href="{e(m.case_url)}">Review the case</a> · '
                f'<a href="{e(m.ack_url)}">Acknowledge</a></p>'
                f"<p><small>{e(FOOTER)}</small></p>")
    return f"<!doctype html><html><body>{body}</body></html>"
