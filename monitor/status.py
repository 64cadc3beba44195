"""``safeguard status``: what a manager or admin needs at a glance."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from monitor.clock import utcnow
from monitor.db import require_schema, session_scope
from monitor.models import Account, Alert, Case, Item, Lease, SyncState
from monitor.runtime import Runtime
from monitor.sync import LEASE_STREAM
from monitor.types import AlertStatus, CaseStatus, ItemState, Severity


def collect(rt: Runtime) -> dict[str, Any]:
    require_schema(rt.engine)
    now = utcnow()
    with session_scope(rt.engine) as s:
        accounts = []
        for acc in s.exec(select(Account).order_by(Account.id)):
            st = s.exec(select(SyncState).where(SyncState.account_id == acc.id,
                                                SyncState.stream == LEASE_STREAM)).first()
            items = s.exec(select(func.count()).select_from(Item)
                           .where(Item.account_id == acc.id)).one()
            accounts.append({
                "id": acc.id, "platform": acc.platform, "enabled": acc.enabled,
                "health": acc.health, "items": items,
                "last_success": st.last_success_at if st else None,
                "last_error": st.last_error if st else None,
                "backoff_until": st.backoff_until if st and st.backoff_until and st.backoff_until > now else None,
            })
        open_states = [c.value for c in CaseStatus if c.is_open]
        by_sev = dict(s.exec(select(Case.severity, func.count()).where(
            col(Case.status).in_(open_states)).group_by(Case.severity)).all())
        pending = s.exec(select(func.count()).select_from(Item)
                         .where(Item.state == ItemState.PENDING.value)).one()
        failed_items = s.exec(select(func.count()).select_from(Item)
                              .where(Item.state == ItemState.FAILED.value)).one()
        outbox = dict(s.exec(select(Alert.status, func.count()).group_by(Alert.status)).all())
        daemons = [row.holder for row in s.exec(select(Lease).where(
            col(Lease.name).startswith("daemon:"), col(Lease.expires_at) > now))]
    from monitor.leader import current_leader

    return {
        "daemons": daemons,
        "leader": current_leader(rt.engine),
        "accounts": accounts,
        "open_cases": {sev.value: by_sev.get(sev.value, 0) for sev in reversed(Severity)},
        "items_pending": pending,
        "items_failed": failed_items,
        "outbox": {st.value: outbox.get(st.value, 0) for st in AlertStatus},
    }


def _ago(value: Any) -> str:
    if value is None:
        return "never"
    secs = int((utcnow() - value).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= size:
            return f"{secs // size}{unit} ago"
    return f"{secs}s ago"


def render(data: dict[str, Any]) -> str:
    lines = [f"daemons running: {', '.join(data['daemons']) or 'none'}"
             + (f" (scheduler leader {data['leader']})" if data.get("leader") else ""), "", "accounts:"]
    for a in data["accounts"]:
        flag = "" if a["enabled"] else " (disabled)"
        lines.append(f"  {a['id']:<24} {a['platform']:<10} {a['health']:<9} "
                     f"items {a['items']:<7} last sync {_ago(a['last_success'])}{flag}")
        if a["last_error"]:
            lines.append(f"      last error: {a['last_error']}")
        if a["backoff_until"]:
            lines.append(f"      backing off until {a['backoff_until']:%Y-%m-%d %H:%M:%S} UTC")
    oc = data["open_cases"]
    lines += ["", "open cases: " + ", ".join(f"{k} {v}" for k, v in oc.items()),
              f"items waiting to be classified: {data['items_pending']}"
              + (f" (failed: {data['items_failed']})" if data["items_failed"] else ""),
              "alerts: " + ", ".join(f"{k} {v}" for k, v in data["outbox"].items() if v)]
    return "\n".join(lines)
