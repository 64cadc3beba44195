"""Evidence packs: built from a case that went through the pipeline, verified, then
altered byte by byte and refused each time with the reason that names the change."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.config import Config
from monitor.db import session_scope
from monitor.models import Case, Item, User
from monitor.records.errors import NotAllowed, NotEligible
from monitor.records.evidence import build_pack
from monitor.records.evidence_verify import verify_pack
from monitor.web import decisions
from tests.records.conftest import T0, add_users, pipeline_case

DISCLOSURE = "My friend says her uncle hits me and to keep it a secret <b>help</b>"


def _rewrite(pack: bytes, change: dict[str, bytes | None], add: dict[str, bytes] | None = None) -> bytes:
    """A copy of the zip with members replaced (None: removed) or added, like an editor would."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(pack)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = change.get(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info, data)
        for name, data in (add or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def _escalated_case_with_photos(db: Engine, cfg: Config, photos: int = 3) -> tuple[Case, dict[str, User]]:
    case = pipeline_case(db, cfg, "c-disclosure", DISCLOSURE)
    users = add_users(db)
    media_dir = Path(cfg.records.media_dir or "")
    with session_scope(db) as s:
        it = s.get(Item, case.item_id)
        assert it is not None
        refs = []
        for i in range(photos):
            name = f"photo{i}.jpg"
            (media_dir / name).write_bytes(b"\xff\xd8\xff\xe0JPEG" + bytes([i]) * 2000)
            refs.append({"url": f"https://cdn.example/{name}", "type": "image", "id": f"m{i}", "path": name})
        it.media = refs
        s.add(it)
        c = s.get(Case, case.id)
        assert c is not None
        decisions.escalate(s, users["dsl"], c, agency="lado", reference="LADO-77",
                           referred_on=date(2026, 11, 3), notes="Phoned the LADO <i>at 10:05</i>", now=T0)
    with session_scope(db) as s:
        return s.get(Case, case.id), users  # type: ignore[return-value]


def _build(db: Engine, cfg: Config, case: Case, user: User) -> bytes:
    with session_scope(db) as s:
        return build_pack(s, cfg, s.get(Case, case.id), user=user, now=T0).data  # type: ignore[arg-type]


@pytest.fixture
def pack(db: Engine, cfg: Config) -> bytes:
    case, users = _escalated_case_with_photos(db, cfg)
    return _build(db, cfg, case, users["dsl"])


def test_a_fresh_pack_verifies_and_holds_everything(pack: bytes) -> None:
    """An untouched pack passes, and carries the summary, content, audit and signed manifest."""
    report = verify_pack(pack)
    assert report.ok, report.lines()
    names = set(zipfile.ZipFile(io.BytesIO(pack)).namelist())
    assert {"summary.pdf", "content/item.json", "content/text/v1.txt", "audit.jsonl",
            "audit_chain.json", "manifest.json", "manifest.sig"} <= names
    assert sum(n.startswith("content/media/") for n in names) == 3
    z = zipfile.ZipFile(io.BytesIO(pack))
    assert z.read("content/text/v1.txt").decode("utf-8") == DISCLOSURE
    desc = json.loads(z.read("content/item.json"))
    assert desc["platform"] == "facebook" and desc["external_id"] == "c-disclosure"
    assert desc["captured_at"] and desc["media"][0]["file"].startswith("content/media/")
    actions = [json.loads(line)["action"] for line in z.read("audit.jsonl").decode().splitlines()]
    assert {"case.opened", "alert.queued", "case.escalated", "evidence.built"} <= set(actions)
    assert json.loads(z.read("audit_chain.json"))["ok"] is True


@pytest.mark.parametrize("member", ["content/media/01-photo0.jpg", "summary.pdf", "content/text/v1.txt"])
def test_an_altered_file_is_refused_naming_it(pack: bytes, member: str) -> None:
    """Changing one byte of a file (and repacking the zip) is reported as that file's hash."""
    data = zipfile.ZipFile(io.BytesIO(pack)).read(member)
    report = verify_pack(_rewrite(pack, {member: _flip(data, len(data) // 2)}))
    assert not report.ok
    assert [(p.kind, p.path) for p in report.problems] == [("hash_mismatch", member)]


def test_an_altered_manifest_breaks_the_signature(pack: bytes) -> None:
    """Editing the manifest (say, to match an altered photo) invalidates its signature."""
    manifest = zipfile.ZipFile(io.BytesIO(pack)).read("manifest.json")
    at = manifest.index(b'"sha256": "') + 12
    report = verify_pack(_rewrite(pack, {"manifest.json": _flip(manifest, at)}))
    assert "signature_invalid" in report.kinds()
    assert any(p.path == "manifest.json" for p in report.problems)


def test_an_altered_audit_event_is_named(pack: bytes) -> None:
    """Changing who escalated, even with the file's hash ignored, is caught inside the chain."""
    lines = zipfile.ZipFile(io.BytesIO(pack)).read("audit.jsonl").decode().splitlines()
    i = next(n for n, line in enumerate(lines) if '"case.escalated"' in line)
    ev = json.loads(lines[i])
    ev["actor"] = "someone-else"
    lines[i] = json.dumps(ev, sort_keys=True)
    report = verify_pack(_rewrite(pack, {"audit.jsonl": ("\n".join(lines) + "\n").encode()}))
    kinds = [(p.kind, p.path) for p in report.problems]
    assert ("hash_mismatch", "audit.jsonl") in kinds
    altered = [p for p in report.problems if p.kind == "audit_event_altered"]
    assert len(altered) == 1 and f"seq {ev['seq']}" in altered[0].message
    assert "case.escalated" in altered[0].message


def test_a_missing_and_an_extra_file_are_named(pack: bytes) -> None:
    """A removed photo and an added file are each reported by name."""
    report = verify_pack(_rewrite(pack, {"content/media/02-photo1.jpg": None},
                                  add={"content/media/99-planted.jpg": b"planted"}))
    assert {(p.kind, p.path) for p in report.problems} == {
        ("file_missing", "content/media/02-photo1.jpg"), ("file_extra", "content/media/99-planted.jpg")}


def test_a_flipped_byte_in_the_archive_itself_is_reported_as_damage(pack: bytes) -> None:
    """Corrupting the zip bytes (not repacking) fails the archive's CRC for that member."""
    z = zipfile.ZipFile(io.BytesIO(pack))
    info = z.getinfo("content/media/01-photo0.jpg")  # stored uncompressed
    at = info.header_offset + 30 + len(info.filename) + len(info.extra) + 100
    report = verify_pack(_flip(pack, at))
    assert [(p.kind, p.path) for p in report.problems] == [("file_damaged", "content/media/01-photo0.jpg")]


def test_a_pack_re_signed_with_another_key_is_refused_by_fingerprint(db: Engine, cfg: Config, pack: bytes,
                                                                     tmp_path: Path) -> None:
    """A forger's own valid signature fails against the organisation's fingerprint."""
    good = verify_pack(pack).fingerprint
    other = cfg.model_copy(update={"records": cfg.records.model_copy(
        update={"signing_key_file": str(tmp_path / "forger.key")})})
    users = add_users(db)
    with session_scope(db) as s:
        case = s.exec(select(Case)).first()
        forged = build_pack(s, other, case, user=users["dsl"], now=T0).data  # type: ignore[arg-type]
    assert verify_pack(forged).ok
    report = verify_pack(forged, expected_fingerprint=good)
    assert report.kinds() == {"key_unexpected"}


def test_building_is_refused_for_a_case_never_escalated(db: Engine, cfg: Config) -> None:
    """Packs are for escalated or referred cases only."""
    case = pipeline_case(db, cfg, "c-plain", "This is a disgrace, nobody told me")
    users = add_users(db)
    with session_scope(db) as s, pytest.raises(NotEligible):
        build_pack(s, cfg, s.get(Case, case.id), user=users["dsl"], now=T0)  # type: ignore[arg-type]


def test_a_setting_manager_cannot_build_a_safeguarding_pack(db: Engine, cfg: Config) -> None:
    """The DSL's pack is refused to the manager of the very location it concerns."""
    case, users = _escalated_case_with_photos(db, cfg, photos=0)
    for who in ("manager", "admin", "viewer"):
        with session_scope(db) as s, pytest.raises(NotAllowed):
            build_pack(s, cfg, s.get(Case, case.id), user=users[who], now=T0)  # type: ignore[arg-type]
    assert verify_pack(_build(db, cfg, case, users["deputy"])).ok


@pytest.mark.skipif(__import__("shutil").which("pdftotext") is None, reason="needs poppler-utils")
def test_the_summary_prints_public_markup_literally(pack: bytes, tmp_path: Path) -> None:
    """Tags in the comment and in a note are shown as typed in summary.pdf, not applied."""
    import subprocess

    (tmp_path / "s.pdf").write_bytes(zipfile.ZipFile(io.BytesIO(pack)).read("summary.pdf"))
    text = subprocess.run(["pdftotext", "-raw", str(tmp_path / "s.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = "".join(text.split())
    assert "<b>help</b>" in flat and "<i>at10:05</i>" in flat
    assert "LADO-77" in flat and "case.escalated" in flat and "DanaDSL" in flat


def test_a_pipeline_case_makes_a_valid_pack_on_both_databases(engine: Engine, cfg: Config) -> None:
    """The same build and verification hold on SQLite and PostgreSQL (JSON and time round-trips)."""
    case, users = _escalated_case_with_photos(engine, cfg, photos=1)
    report = verify_pack(_build(engine, cfg, case, users["dsl"]))
    assert report.ok, report.lines()
    assert report.audit_events >= 4
