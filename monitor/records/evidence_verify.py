"""Checking an evidence pack, anywhere, without the database: what changed, precisely.

Checks, in order, each problem named with the file (and event) it concerns:

1. the archive opens, and holds ``manifest.json`` and ``manifest.sig``;
2. the signature over ``manifest.json`` is valid for the public key it carries, and that
   key is the one expected (when the organisation's fingerprint is given);
3. every file listed is present, its size and SHA-256 match; no file is unlisted;
4. ``audit.jsonl``: every event's hash is recomputed from its fields (an edited event no
   longer matches its own hash), and consecutive events link (``prev_hash``).

Why go on after the first problem? "The summary and one photo were changed" is a
different story from "the summary was changed"; an investigator wants the whole list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor.audit import _canonical
from monitor.records import signing
from monitor.records.evidence import MANIFEST, SIGNATURE, sha256

MAX_MEMBER_BYTES = 2 * 1024**3  # no legitimate photo or video in a pack is larger


@dataclass(frozen=True)
class Problem:
    kind: str  # unreadable | manifest_missing | signature_invalid | key_unexpected |
    #            hash_mismatch | size_mismatch | file_missing | file_extra | file_damaged |
    #            audit_event_altered | audit_link_broken | audit_unreadable
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass
class VerifyReport:
    problems: list[Problem] = field(default_factory=list)
    fingerprint: str | None = None
    case_id: int | None = None
    built_at: str | None = None
    built_by: str | None = None
    files_checked: int = 0
    audit_events: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def kinds(self) -> set[str]:
        return {p.kind for p in self.problems}

    def lines(self) -> list[str]:
        head = (f"case {self.case_id}, built {self.built_at} by {self.built_by}; "
                f"signing key fingerprint {self.fingerprint}")
        if self.ok:
            return [f"OK: evidence pack intact — {head}",
                    (f"  signature valid; {self.files_checked} files match their SHA-256; "
                    f"{self.audit_events} audit events intact")]
        return [f"REFUSED: evidence pack altered or damaged — {head}"] + [f"  - {p}" for p in self.problems]


def _read_members(zf: zipfile.ZipFile, report: VerifyReport) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for info in zf.infolist():
        if info.is_dir():
            continue
        if info.file_size > MAX_MEMBER_BYTES:  # a zip bomb is refused, not unpacked into memory
            report.problems.append(Problem("file_damaged", info.filename,
                                           f"claims {info.file_size:,} bytes uncompressed; refused"))
            continue
        try:
            out[info.filename] = zf.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as err:
            report.problems.append(Problem("file_damaged", info.filename,
                                           f"damaged in the archive, cannot be read ({err})"))
    return out


def check_audit(data: bytes, report: VerifyReport, path: str = "audit.jsonl") -> None:
    prev: dict[str, Any] | None = None
    for n, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            ev = json.loads(line)
            at = datetime.fromisoformat(ev["at"])
            recomputed = hashlib.sha256(_canonical(
                int(ev["seq"]), at, ev["actor"], ev["action"], ev["subject_type"],
                ev["subject_id"], ev["detail"], ev["prev_hash"])).hexdigest()
        except (ValueError, KeyError, TypeError) as err:
            report.problems.append(Problem("audit_unreadable", path, f"line {n} is not an audit event ({err})"))
            continue
        report.audit_events += 1
        if recomputed != ev.get("hash"):
            report.problems.append(Problem(
                "audit_event_altered", path,
                f"line {n}: audit event seq {ev['seq']} ({ev['action']} by {ev['actor']}) was altered: "
                "its content no longer matches its hash"))
        if prev is not None and int(ev["seq"]) == int(prev["seq"]) + 1 and ev["prev_hash"] != prev["hash"]:
            report.problems.append(Problem(
                "audit_link_broken", path,
                f"line {n}: audit event seq {ev['seq']} does not link to seq {prev['seq']} before it"))
        prev = ev


def verify_pack(pack: bytes | str | Path, *, expected_fingerprint: str | None = None) -> VerifyReport:
    report = VerifyReport()
    raw = pack if isinstance(pack, bytes) else Path(pack).read_bytes()
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as err:
        report.problems.append(Problem("unreadable", "", f"not a readable zip archive ({err})"))
        return report
    with zf:
        members = _read_members(zf, report)
        listed_damaged = {p.path for p in report.problems}
    manifest_bytes, sig = members.get(MANIFEST), members.get(SIGNATURE)
    if manifest_bytes is None or sig is None:
        for name in (MANIFEST, SIGNATURE):
            if name not in members and name not in listed_damaged:
                report.problems.append(Problem("manifest_missing", name, "missing from the pack"))
        return report
    try:
        manifest = json.loads(manifest_bytes)
        public = base64.b64decode(manifest["public_key"], validate=True)
        signature = base64.b64decode(sig.strip(), validate=True)
        listed = {f["path"]: f for f in manifest["files"]}
    except (ValueError, KeyError, TypeError, binascii.Error) as err:
        report.problems.append(Problem("signature_invalid", MANIFEST,
                                       f"manifest or signature unreadable ({err}); the pack cannot be trusted"))
        return report
    report.fingerprint = signing.fingerprint(public)
    report.case_id, report.built_at = manifest.get("case_id"), manifest.get("built_at")
    report.built_by = manifest.get("built_by")
    if not signing.check(public, signature, manifest_bytes):
        report.problems.append(Problem("signature_invalid", MANIFEST,
                                       "the manifest signature is INVALID: manifest.json (or manifest.sig) "
                                       "was changed after signing"))
    if expected_fingerprint and _norm(expected_fingerprint) != _norm(report.fingerprint):
        report.problems.append(Problem("key_unexpected", MANIFEST,
                                       f"signed with key {report.fingerprint}, not the organisation's key "
                                       f"{expected_fingerprint}: the pack was re-signed by someone else"))
    for path, entry in listed.items():
        data = members.get(path)
        if data is None:
            if path not in listed_damaged:
                report.problems.append(Problem("file_missing", path, "listed in the manifest but missing"))
            continue
        report.files_checked += 1
        digest = sha256(data)
        if digest != entry.get("sha256"):
            report.problems.append(Problem(
                "hash_mismatch", path, f"content changed: SHA-256 is {digest}, the manifest says "
                f"{entry.get('sha256')} ({len(data)} bytes, manifest {entry.get('bytes')})"))
    for path in sorted(set(members) - set(listed) - {MANIFEST, SIGNATURE}):
        report.problems.append(Problem("file_extra", path, "in the pack but not in the manifest (added later)"))
    if "audit.jsonl" in members:
        check_audit(members["audit.jsonl"], report)
    return report


def _norm(fp: str) -> str:
    return "".join(fp.split()).lower()
