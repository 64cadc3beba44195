"""``safeguard bench records``: time and peak memory of the monthly report and a pack.

Each measurement runs in a fresh process (``python -m monitor.records.bench``) so its
peak RSS is its own, not the data generator's: one process fills a SQLite file with
100,000 items and 2,000 cases in one month plus an escalated case with 20 photos, then
one process builds the organisation's monthly report (figures, 4 charts, PDF, HTML) and
another builds and verifies the evidence pack.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

MONTH = "2026-10"
NOW = datetime(2026, 11, 1, 7, 0, tzinfo=UTC)


def _config(work: Path):  # type: ignore[no-untyped-def]
    from monitor.config import parse_config

    return parse_config({
        "organisation": "Bench Childcare",
        "people": [{"id": "dsl", "name": "Dana DSL", "email": "dsl@example.org"}],
        "dsl": "dsl",
        "locations": [{"id": "oakfield", "name": "Oakfield Club"}, {"id": "elm", "name": "Elm Road Club"}],
        "records": {"signing_key_file": str(work / "evidence.key"), "media_dir": str(work / "media")},
    })


def _setup(work: Path, items: int, cases: int, photos: int) -> None:
    from monitor import audit
    from monitor.db import make_engine, migrate, session_scope
    from monitor.models import Case, Item, Referral, User
    from monitor.records.synthetic import populate

    eng = make_engine(f"sqlite:///{work / 'bench.db'}")
    migrate(eng)
    media = work / "media"
    media.mkdir(exist_ok=True)
    refs = []
    for i in range(photos):
        (media / f"photo{i:02d}.jpg").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(1_500_000))
        refs.append({"url": f"https://cdn.example/p{i}.jpg", "type": "image", "id": f"p{i}",
                     "path": f"photo{i:02d}.jpg"})
    with session_scope(eng) as s:
        populate(s, month=MONTH, items=items, cases=cases)
        it = Item(platform="facebook", external_id="bench-photos", account_id="fb-oak", kind="post",
                  text="Photos from the trip", media=refs, content_hash="0" * 64,
                  created_at=NOW, fetched_at=NOW)  # November: outside the reported month
        s.add(it)
        s.flush()
        c = Case(item_id=it.id, item_version=1, account_id="fb-oak", location_id="oakfield",  # type: ignore[arg-type]
                 platform="facebook", severity="high", categories=["child_identification"],
                 status="escalated", opened_at=NOW)
        s.add(c)
        s.add(User(username="dsl", role="dsl", password_hash="x"))
        s.flush()
        s.add(Referral(case_id=c.id, agency="local_authority", made_by="dsl", referred_on=NOW))  # type: ignore[arg-type]
        audit.append(s, actor="dsl", action="case.escalated", subject_type="case", subject_id=str(c.id))
    eng.dispose()


def _measure(work: Path, part: str) -> dict[str, float]:
    from sqlmodel import select

    from monitor.db import make_engine, session_scope
    from monitor.models import Case, User
    from monitor.records.evidence import build_pack
    from monitor.records.evidence_verify import verify_pack
    from monitor.records.pdfsafe import register_fonts
    from monitor.records.report import build_report

    register_fonts()  # imports and font loading are start-up costs, not the measurement
    cfg = _config(work)
    eng = make_engine(f"sqlite:///{work / 'bench.db'}")
    t0, c0 = time.perf_counter(), time.process_time()
    out: dict[str, float] = {}
    with session_scope(eng) as s:
        if part == "report":
            r = build_report(s, cfg, month=MONTH, now=NOW)
            r.html()
            out.update(items=r.figures.items_total, cases=r.figures.cases_total, pdf_kb=len(r.pdf) / 1024)
        else:
            case = s.exec(select(Case).where(Case.status == "escalated", Case.platform == "facebook")
                          .order_by(Case.id.desc())).first()  # type: ignore[union-attr]
            user = s.exec(select(User).where(User.username == "dsl")).one()
            pack = build_pack(s, cfg, case, user=user, now=NOW)  # type: ignore[arg-type]
            out["build_s"] = time.perf_counter() - t0
            report = verify_pack(pack.data)
            assert report.ok, report.lines()
            out.update(pack_mb=len(pack.data) / 1e6, files=pack.files)
    out["seconds"] = time.perf_counter() - t0
    out["cpu_s"] = time.process_time() - c0
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def run_bench(*, items: int = 100_000, cases: int = 2_000, photos: int = 20) -> str:
    with tempfile.TemporaryDirectory(prefix="records-bench-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        _run(work, "setup", items=items, cases=cases, photos=photos)
        setup_s = time.perf_counter() - t0
        rep = _run(work, "report")
        ev = _run(work, "evidence")
    return (f"records: monthly report {int(rep['items'])} items/{int(rep['cases'])} cases "
            f"{rep['seconds']:.1f} s (CPU {rep['cpu_s']:.1f} s) peak RSS {rep['peak_rss_mb']:.0f} MB; "
            f"evidence pack {photos} photos ({ev['pack_mb']:.0f} MB) build {ev['build_s']:.1f} s, "
            f"build+verify {ev['seconds']:.1f} s (CPU {ev['cpu_s']:.1f} s) peak RSS {ev['peak_rss_mb']:.0f} MB "
            f"(data set-up {setup_s:.0f} s, not counted)")


def _run(work: Path, part: str, **kw: int) -> dict[str, float]:
    args = [sys.executable, "-m", "monitor.records.bench", "--part", part, "--work", str(work)]
    for k, v in kw.items():
        args += [f"--{k}", str(v)]
    done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"bench {part} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]) if part != "setup" else {}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--part", choices=["setup", "report", "evidence"], required=True)
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--items", type=int, default=100_000)
    p.add_argument("--cases", type=int, default=2_000)
    p.add_argument("--photos", type=int, default=20)
    a = p.parse_args()
    os.environ.setdefault("SAFEGUARD_SECRET_KEY_FILE", str(a.work / "secret.key"))
    if a.part == "setup":
        _setup(a.work, a.items, a.cases, a.photos)
    else:
        sys.stdout.write(json.dumps(_measure(a.work, a.part)) + "\n")


if __name__ == "__main__":
    main()
