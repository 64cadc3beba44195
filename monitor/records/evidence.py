"""Evidence packs: everything held about one escalated or referred case, in one signed zip.

Layout of a pack::

    summary.pdf                 what was posted, where, when; who was told and when; every
                                decision and by whom; referrals, take-downs, complaint
    content/item.json           permalink, platform ids, author, capture time, versions, media
    content/text/v1.txt …       each version of the text exactly as captured (UTF-8)
    content/media/01-….jpg …    media files as stored (when the monitor stored them)
    content/raw.json            the platform's own payload, if retention still holds it
    audit.jsonl                 the case's audit events, one JSON object per line, with hashes
    audit_chain.json            the whole chain's verification result when the pack was built
    manifest.json               every file above with its SHA-256 and size, the public key
    manifest.sig                Ed25519 signature of manifest.json (base64)

Why sign the manifest rather than each file? One signature over a list of hashes covers
every byte of every file; changing any file changes its hash, and changing the list
breaks the signature. ``evidence_verify`` re-checks all of it and names what changed.

Why audit the build before collecting the events? The pack then contains the record of
its own making (who built it, when) — which is what an inspector asks first.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from monitor import audit
from monitor.clock import ensure_utc
from monitor.config import Config
from monitor.models import (
    Alert,
    AuditEvent,
    Case,
    CaseNote,
    Complaint,
    Finding,
    Item,
    ItemVersion,
    Referral,
    Takedown,
    User,
)
from monitor.records import signing
from monitor.records.access import can_access_pack
from monitor.records.errors import NotAllowed, NotEligible
from monitor.types import CaseStatus

log = logging.getLogger(__name__)
FORMAT = "safeguard-evidence-pack/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MediaLoader = Callable[[dict[str, Any]], bytes | None]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str) + "\n").encode("utf-8")


def _iso(value: datetime | None) -> str | None:
    v = ensure_utc(value)
    return v.isoformat(timespec="microseconds") if v else None


def media_loader(config: Config) -> MediaLoader:
    """Reads stored media files from ``records.media_dir``; a reference whose ``path``
    leaves that folder (``../``, an absolute path elsewhere) is refused, not read."""
    base = Path(config.records.media_dir).resolve() if config.records.media_dir else None

    def load(ref: dict[str, Any]) -> bytes | None:
        rel = ref.get("path") or ref.get("stored_path")
        if base is None or not isinstance(rel, str) or not rel:
            return None
        target = (base / rel).resolve()
        if not target.is_relative_to(base) or not target.is_file():
            log.warning("evidence: media path %r is missing or outside the media folder", rel)
            return None
        return target.read_bytes()

    return load


def eligible(session: Session, case: Case) -> bool:
    """Escalated now, or referred at any time (a referral stays evidence after closing)."""
    if case.status == CaseStatus.ESCALATED.value:
        return True
    return session.exec(select(Referral.id).where(Referral.case_id == case.id)).first() is not None


@dataclass
class CaseRecord:
    """Everything read from the database for one case (the summary is drawn from it)."""

    case: Case
    item: Item
    versions: list[ItemVersion]
    findings: list[Finding]
    notes: list[CaseNote]
    referrals: list[Referral]
    takedowns: list[Takedown]
    alerts: list[Alert]
    complaint: Complaint | None
    events: list[AuditEvent]
    chain: audit.VerifyResult


def case_events(session: Session, case: Case) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(or_(
        and_(col(AuditEvent.subject_type) == "case", col(AuditEvent.subject_id) == str(case.id)),
        and_(col(AuditEvent.subject_type) == "item", col(AuditEvent.subject_id) == str(case.item_id)),
    )).order_by(col(AuditEvent.seq))))


def load_record(session: Session, case: Case) -> CaseRecord:
    item = session.get(Item, case.item_id)
    assert item is not None
    cid = case.id

    def rows(model: Any, *where: Any, order: Any) -> list[Any]:
        return list(session.exec(select(model).where(*where).order_by(order)))

    return CaseRecord(
        case=case, item=item,
        versions=rows(ItemVersion, ItemVersion.item_id == item.id, order=col(ItemVersion.version)),
        findings=rows(Finding, Finding.item_id == item.id, order=col(Finding.id)),
        notes=rows(CaseNote, CaseNote.case_id == cid, order=col(CaseNote.id)),
        referrals=rows(Referral, Referral.case_id == cid, order=col(Referral.id)),
        takedowns=rows(Takedown, Takedown.case_id == cid, order=col(Takedown.id)),
        alerts=rows(Alert, Alert.case_id == cid, order=col(Alert.id)),
        complaint=session.exec(select(Complaint).where(Complaint.case_id == cid)).first(),
        events=case_events(session, case),
        chain=audit.verify(session),
    )


def event_line(ev: AuditEvent) -> dict[str, Any]:
    return {"seq": ev.seq, "at": _iso(ev.at), "actor": ev.actor, "action": ev.action,
            "subject_type": ev.subject_type, "subject_id": ev.subject_id, "detail": ev.detail,
            "prev_hash": ev.prev_hash, "hash": ev.hash}


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[-60:].lstrip(".") or "file"


def content_files(rec: CaseRecord, load_media: MediaLoader) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The content exactly as captured, and the item description that indexes it."""
    it = rec.item
    files: dict[str, bytes] = {}
    versions = rec.versions or [ItemVersion(item_id=it.id or 0, version=it.version, text=it.text,
                                            content_hash=it.content_hash, seen_at=it.fetched_at)]
    vlist = []
    for v in versions:
        entry: dict[str, Any] = {"version": v.version, "seen_at": _iso(v.seen_at),
                                 "content_hash": v.content_hash}
        if v.text is None:
            entry["text"] = "purged under the retention policy"
        else:
            path = f"content/text/v{v.version}.txt"
            files[path] = v.text.encode("utf-8")
            entry["file"] = path
        vlist.append(entry)
    media = []
    for i, ref in enumerate(it.media or [], start=1):
        m = {k: ref.get(k) for k in ("url", "type", "id", "sha256") if ref.get(k) is not None}
        data = load_media(ref)
        if data is None:
            m["file"] = None
            m["note"] = "not stored by the monitor; only the reference was captured"
        else:
            base = ref.get("path") or ref.get("id") or f"media{i}"
            path = f"content/media/{i:02d}-{_safe_name(Path(str(base)).name)}"
            files[path] = data
            m["file"] = path
            if ref.get("sha256") and ref["sha256"] != sha256(data):
                m["note"] = "the stored file's SHA-256 differs from the one recorded at capture"
        media.append(m)
    description = {
        "platform": it.platform, "external_id": it.external_id, "account_id": it.account_id,
        "kind": it.kind, "parent_external_id": it.parent_external_id,
        "author": {"name": it.author_name, "handle": it.author_handle, "id": it.author_id,
                   "is_organisation": it.author_is_owner},
        "permalink": it.permalink, "posted_at": _iso(it.created_at),
        "captured_at": _iso(it.fetched_at), "current_version": it.version,
        "content_hash": it.content_hash, "hidden": it.hidden, "removed": it.removed,
        "text_purged_at": _iso(it.text_purged_at), "versions": vlist, "media": media,
    }
    if it.raw is not None:
        files["content/raw.json"] = _json_bytes(it.raw)
        description["raw_payload"] = "content/raw.json"
    files["content/item.json"] = _json_bytes(description)
    return files, description


@dataclass(frozen=True)
class BuiltPack:
    data: bytes
    case_id: int
    fingerprint: str
    files: int
    sha256: str


def _zip(files: dict[str, bytes], when: datetime) -> bytes:
    stamp = ensure_utc(when).timetuple()[:6]  # type: ignore[union-attr]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=stamp)
            media = path.startswith("content/media/")
            info.compress_type = zipfile.ZIP_STORED if media else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def build_pack(session: Session, config: Config, case: Case, *, user: User, now: datetime,
               load_media: MediaLoader | None = None, key_file: str | None = None) -> BuiltPack:
    """Build the signed pack for ``case`` on behalf of ``user`` (audited, in the caller's
    transaction: if the caller rolls back, no build is recorded and no pack should leave)."""
    from monitor.records.evidence_summary import summary_pdf

    if not can_access_pack(user, case):
        raise NotAllowed(f"{user.username} ({user.role}) may not build the evidence pack of case {case.id}")
    if not eligible(session, case):
        raise NotEligible(f"case {case.id} is {case.status} and was never referred; evidence "
                          "packs are for escalated or referred cases")
    key = signing.load_or_create(key_file or config.records.signing_key_file)
    public = signing.public_raw(key)
    fp = signing.fingerprint(public)
    audit.append(session, actor=user.username, action="evidence.built", subject_type="case",
                 subject_id=str(case.id), at=now, detail={"key_fingerprint": fp})
    rec = load_record(session, case)
    files, description = content_files(rec, load_media or media_loader(config))
    files["audit.jsonl"] = "".join(json.dumps(event_line(e), ensure_ascii=False, sort_keys=True) + "\n"
                                   for e in rec.events).encode("utf-8")
    files["audit_chain.json"] = _json_bytes({
        "verified_at": _iso(now), "ok": rec.chain.ok, "events": rec.chain.events,
        "problem": rec.chain.problem, "at_seq": rec.chain.at_seq,
        "statement": str(rec.chain), "case_events": len(rec.events)})
    files["summary.pdf"] = summary_pdf(rec, config, description=description, built_by=user,
                                       built_at=now, fingerprint=fp,
                                       content_hashes={p: sha256(d) for p, d in files.items()
                                                       if p.startswith("content/")})
    ordered = {"summary.pdf": files.pop("summary.pdf"), **dict(sorted(files.items()))}
    manifest = {
        "format": FORMAT, "case_id": case.id, "organisation": config.organisation,
        "built_at": _iso(now), "built_by": user.username,
        "files": [{"path": p, "sha256": sha256(d), "bytes": len(d)} for p, d in ordered.items()],
        "public_key": base64.b64encode(public).decode("ascii"), "key_fingerprint": fp,
    }
    manifest_bytes = _json_bytes(manifest)
    ordered[MANIFEST] = manifest_bytes
    ordered[SIGNATURE] = base64.b64encode(signing.sign(key, manifest_bytes)) + b"\n"
    data = _zip(ordered, now)
    return BuiltPack(data=data, case_id=case.id, fingerprint=fp, files=len(ordered),  # type: ignore[arg-type]
                     sha256=sha256(data))


def record_opened(session: Session, *, actor: str, case_id: int, pack_sha256: str, via: str,
                  now: datetime) -> None:
    """Opening (downloading, verifying) a pack is an audit event of its case."""
    audit.append(session, actor=actor, action="evidence.opened", subject_type="case",
                 subject_id=str(case_id), at=now, detail={"pack_sha256": pack_sha256, "via": via})
