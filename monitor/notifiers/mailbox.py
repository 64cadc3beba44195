"""Alerts appended to a local mbox file: the demo's mailbox, and a last-resort channel.

Idempotent: the idempotency key is the Message-ID, and a key already in the file is not
written again.
"""

from __future__ import annotations

import fcntl
import mailbox
from email.message import EmailMessage
from pathlib import Path

from monitor.notifiers.base import AlertMessage, DeliveryReceipt, Notifier
from monitor.notifiers.render import render_text, subject


class MailboxNotifier(Notifier):
    channel = "mailbox"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def send(self, message: AlertMessage) -> DeliveryReceipt:
        msg_id = f"<{message.idempotency_key.replace(':', '.')}@safeguard-monitor>"
        lock_path = self.path.with_suffix(self.path.suffix + ".lock")
        with open(lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            box = mailbox.mbox(self.path)
            try:
                if any(m.get("Message-ID") == msg_id for m in box):
                    return DeliveryReceipt(msg_id)
                em = EmailMessage()
                em["Subject"] = subject(message)
                em["To"] = message.recipient_email or message.recipient_id
                em["From"] = "safeguard-monitor@localhost"
                em["Message-ID"] = msg_id
                em.set_content(render_text(message))
                box.add(em)
                box.flush()
            finally:
                box.close()
        return DeliveryReceipt(msg_id)
