"""Check before posting: the CLI prints findings with regions and exits 1 on a breach."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from classifiers.images.cli import register
from tests.photos import images


def app() -> typer.Typer:
    main, bench = typer.Typer(), typer.Typer()
    register(main, bench)
    main.add_typer(bench, name="bench")
    return main


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def configured(tmp_path: Path) -> list[str]:
    """A config file and a database with the roster: Amelia Hartley at Oakfield."""
    import yaml

    from monitor.accounts import sync_from_config
    from monitor.config import load_config
    from monitor.db import make_engine, migrate, session_scope
    from monitor.roster import import_csv

    cfg_path = tmp_path / "safeguard.yaml"
    cfg_path.write_text(yaml.safe_dump({
        "organisation": "Kidspace Wrap Around Care",
        "people": [{"id": "dsl", "name": "Dana DSL", "email": "dsl@example.org"},
                   {"id": "sm-oak", "name": "Sam Oakfield", "email": "sam@example.org"}],
        "dsl": "dsl", "admins": ["dsl"],
        "locations": [{"id": "oakfield", "name": "Oakfield Club", "setting_managers": ["sm-oak"],
                       "schools": ["Oakfield Primary"]}],
        "accounts": [], "classifiers": ["keyword"]}))
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    engine = make_engine(url)
    migrate(engine)
    cfg = load_config(cfg_path)
    with session_scope(engine) as s:
        sync_from_config(s, cfg)
        import_csv(s, cfg, "name,known_as,location,photo_consent\nAmelia Hartley,,oakfield,no\n", by="sam")
    engine.dispose()
    return ["--config", str(cfg_path), "--db", url]


def test_a_draft_with_a_certificate_gps_and_faces_is_a_breach(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Roster name and school on the certificate, GPS in the file, faces: exit 1, all listed."""
    cert = write(tmp_path / "cert.jpg", images.jpeg(images.certificate(), exif=images.gps_exif()))
    face = write(tmp_path / "trip.jpg", images.jpeg(images.astronaut()))
    res = CliRunner().invoke(app(), ["check-post", "--text", "Well done to our star!", "--image", str(cert),
                                     "--image", str(face), "--json", "--location", "oakfield",
                                     "--text-classifiers", "child_identification", *configured(tmp_path)])
    assert res.exit_code == 1, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    assert {f["label"] for f in out["findings"]} == {"exif_gps", "faces_without_consent",
                                                     "ocr_roster_name"}
    regions = {sp["detail"]["text_type"]: sp["detail"] for f in out["findings"]
               if f["classifier"] == "image_text" for sp in f["spans"]}
    assert regions["child_name"]["text"] == "Amelia" and regions["child_name"]["media"] == "cert.jpg"
    assert regions["school"]["text"] == "Oakfield Primary"


def test_a_clean_draft_passes_with_exit_zero(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A garden photo and a neutral caption: nothing to report."""
    monkeypatch.chdir(tmp_path)
    garden = write(tmp_path / "garden.jpg", images.jpeg(images.plain_scene(12)))
    res = CliRunner().invoke(app(), ["check-post", "--text", "Our new planters are in!",
                                     "--image", str(garden), "--text-classifiers", "child_identification"])
    assert res.exit_code == 0, res.output
    assert res.output.strip().splitlines()[-1].startswith("OK")


def test_a_file_that_is_not_an_image_is_reported_not_crashed_on(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The member of staff is told which file could not be checked."""
    monkeypatch.chdir(tmp_path)
    bad = write(tmp_path / "notes.jpg", b"just some text")
    res = CliRunner().invoke(app(), ["check-post", "--text", "Hello", "--image", str(bad),
                                     "--text-classifiers", "child_identification"])
    assert "could not check notes.jpg" in res.output


def test_usage_errors_exit_two_with_one_line(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A missing photo or an unknown classifier is a usage error, not a breach."""
    monkeypatch.chdir(tmp_path)
    missing = CliRunner().invoke(app(), ["check-post", "--text", "Hi", "--image", "nope.jpg"])
    assert missing.exit_code == 2 and "no such file" in missing.output
    unknown = CliRunner().invoke(app(), ["check-post", "--text", "Hi", "--text-classifiers", "nope"])
    assert unknown.exit_code == 2 and "unknown classifier" in unknown.output


def test_bench_images_prints_one_summary_line() -> None:
    """``bench images -n 2``: images/s, p95, peak RSS and PDQ look-ups/s on one line."""
    res = CliRunner().invoke(app(), ["bench", "images", "-n", "2", "--hashes", "5000",
                                     "--lookups", "50", "--no-ocr"])
    assert res.exit_code == 0, res.output
    [line] = res.output.strip().splitlines()
    assert line.startswith("images: ") and "p95" in line and "peak RSS" in line
    assert "lookups/s over 5000 hashes" in line
