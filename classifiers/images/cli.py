"""Commands for photos: ``check-post`` and ``bench images``.

``register(app, bench)`` is called by ``monitor/cli.py`` (add ``classifiers.images.cli``
to its ``_AREAS``). ``check-post`` uses the configuration, roster and consent register
when a configuration file and database exist, and the built-in defaults otherwise.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

log = logging.getLogger(__name__)


def _context_and_consent(config: Path | None, db: str | None):  # type: ignore[no-untyped-def]
    """(SettingContext, ConsentIndex | None, PolicyConfig | None) from config + DB if present."""
    from classifiers.context import SettingContext
    from monitor.config import Settings

    settings = Settings()
    path = config or settings.config
    if not Path(path).exists():
        return SettingContext.default(), None, None
    from monitor.config import load_config
    from monitor.consent import DbConsentIndex
    from monitor.db import make_engine, session_scope
    from monitor.runtime import setting_context

    cfg = load_config(path)
    engine = make_engine(db or settings.database_url)
    try:
        with session_scope(engine) as session:
            ctx = setting_context(cfg, session)
        consent = DbConsentIndex(engine)
        consent.children("0" * 64)  # load now: a missing schema fails here, clearly
    except Exception as err:  # noqa: BLE001 - no database yet: check with config only
        log.warning("no roster or consent register (%s); checking with configuration only",
                    type(err).__name__)
        return setting_context(cfg, None), None, cfg.policy
    return ctx, consent, cfg.policy


def check_post_cmd(
    text: Annotated[str, typer.Option("--text", help="the caption of the draft post")] = "",
    image: Annotated[list[Path] | None, typer.Option("--image", help="a photo file (repeatable)")] = None,
    location: Annotated[str | None, typer.Option("--location", help="location id the post is for")] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="YAML config")] = None,
    db: Annotated[str | None, typer.Option("--db", help="database URL")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    text_classifiers: Annotated[str, typer.Option(help="caption classifiers, comma-separated")] = "default",
) -> None:
    """Check a draft post before publishing; exit code 1 when it would breach the policy."""
    from monitor.checkpost import build_checkers, check_post, describe

    images = list(image or [])
    for p in images:
        if not p.is_file():
            typer.echo(f"error: --image {p}: no such file", err=True)
            raise typer.Exit(2)
    from monitor.errors import MonitorError

    try:
        context, consent, policy = _context_and_consent(config, db)
        checkers, runtime = build_checkers(context, consent=consent,
                                           text_names=[n for n in text_classifiers.split(",") if n])
    except MonitorError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    result = check_post(text, images, checkers=checkers, runtime=runtime, location=location,
                        policy=policy)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        for line in describe(result):
            typer.echo(line)
    raise typer.Exit(1 if result.breach else 0)


def bench_images_cmd(
    n: Annotated[int, typer.Option("-n", help="photos to generate and check")] = 1000,
    hashes: Annotated[int, typer.Option(help="stored PDQ hashes to search")] = 100_000,
    lookups: Annotated[int, typer.Option(help="PDQ look-ups to time")] = 2000,
    ocr: Annotated[bool, typer.Option(help="include OCR (Tesseract) in the checks")] = True,
    seed: int = 1,
) -> None:
    """Images/s through all checks for photos of 1-12 MP, p95, peak RSS; PDQ look-ups/s."""
    from classifiers.images.bench import run_bench

    typer.echo(run_bench(n=n, hashes=hashes, lookups=lookups, ocr=ocr, seed=seed))


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.command("check-post")(check_post_cmd)
    bench.command("images")(bench_images_cmd)
