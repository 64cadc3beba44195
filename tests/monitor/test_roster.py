"""The roster: imported from CSV, encrypted at rest, handed to classifiers decrypted."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from monitor.db import session_scope
from monitor.roster import import_csv
from monitor.runtime import setting_context
from tests.helpers import org_config, setup_org

CSV = """name,known_as,location,photo_consent
Amelia Kowalski,Millie,oakfield,yes
Noah Brennan-Smith,,oakfield,no
Zara Okafor,Zee,nowhere,yes
"""


def test_import_encrypts_names_and_classifiers_see_them(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Names never appear in the database in clear; the setting context decrypts them."""
    cfg = org_config(tmp_path)
    setup_org(engine, cfg)
    f = tmp_path / "roster.csv"
    f.write_text(CSV)
    with session_scope(engine) as s:
        res = import_csv(s, cfg, f, by="dana")
    assert (res.added, len(res.problems)) == (2, 1) and "unknown location 'nowhere'" in res.problems[0]
    with session_scope(engine) as s:
        dump = " ".join(str(v) for row in s.exec(text("SELECT * FROM rosterchild")).all() for v in row)  # type: ignore[call-overload]
        audit_dump = " ".join(str(v) for row in s.exec(text("SELECT detail FROM auditevent")).all() for v in row)  # type: ignore[call-overload]
        ctx = setting_context(cfg, s)
    assert "Amelia" not in dump and "Millie" not in dump and "Amelia" not in audit_dump
    names = {(c.name, c.known_as, c.photo_consent) for c in ctx.roster}
    assert names == {("Amelia Kowalski", "Millie", "yes"), ("Noah Brennan-Smith", None, "no")}


def test_reimport_updates_consent_without_duplicates(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Importing the same children again updates them in place."""
    cfg = org_config(tmp_path)
    setup_org(engine, cfg)
    with session_scope(engine) as s:
        import_csv(s, cfg, CSV, by="dana")
    with session_scope(engine) as s:
        res = import_csv(s, cfg, CSV.replace("Amelia Kowalski,Millie,oakfield,yes",
                                             "Amelia Kowalski,Millie,oakfield,no"), by="dana")
        ctx = setting_context(cfg, s)
    assert (res.added, res.updated, res.unchanged) == (0, 1, 1)
    assert {c.name: c.photo_consent for c in ctx.roster}["Amelia Kowalski"] == "no"
