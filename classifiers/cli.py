"""Commands for the classifiers: ``classify``, ``eval``, ``train`` and ``bench classify``.

``register(app, bench)`` is called by ``monitor/cli.py``. Every command here works without
a database or configuration file: the built-in :meth:`SettingContext.default` is used.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from classifiers.training import SHIPPED_MAX_MINUTES, SHIPPED_MIX, SHIPPED_PER_ROW, SHIPPED_SEEDS

log = logging.getLogger(__name__)


def _read_items(path: str) -> list[dict[str, Any]]:
    fh = sys.stdin if path == "-" else open(path, encoding="utf-8")
    try:
        return [json.loads(line) for line in fh if line.strip()]
    finally:
        if fh is not sys.stdin:
            fh.close()


def classify_cmd(
    file: Annotated[str, typer.Argument(help="JSON lines in the categories.md item shape, or -")] = "-",
    classifiers: Annotated[str, typer.Option(help="comma-separated names")] = "default",
) -> None:
    """Classify items; one JSON line per item: id, labels, scores, spans, severity."""
    from classifiers.registry import build_classifiers
    from classifiers.run import classify_items

    clfs = build_classifiers(classifiers.split(","))
    out = sys.stdout
    for rec in classify_items(_read_items(file), clfs):
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    out.flush()


def eval_cmd(
    file: Annotated[Path, typer.Argument(help="labelled JSON lines (domain shape or a public set)")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    classifiers: Annotated[str, typer.Option(help="comma-separated names")] = "default",
    public: Annotated[str | None, typer.Option(
        help="score as this public set (tweeteval_offensive, olid, tweeteval_hate, complaints, "
             "wnut17, btc); default: guessed from the file")] = None,
) -> None:
    """P/R/F1 per category, macro-F1, false alarms, child span recall, evasion subset."""
    from classifiers.evaluate import evaluate, format_table

    items = _read_items(str(file))
    if public or (items and "labels" not in items[0]):
        from classifiers.public_eval import evaluate_public

        result: dict[str, Any] = evaluate_public(file, name=public)
        typer.echo(json.dumps(result) if as_json else
                   "  ".join(f"{k}={v}" for k, v in result.items()))
        return
    from classifiers.registry import build_classifiers
    from classifiers.run import classify_items

    clfs = build_classifiers(classifiers.split(","))
    pred = list(classify_items(items, clfs))
    result = evaluate(items, pred)
    typer.echo(json.dumps(result, indent=1) if as_json else format_table(result))


def train_cmd(
    feedback: Annotated[Path | None, typer.Option(
        help="reviewer-labelled items (JSON lines, item shape) to add to training")] = None,
    max_minutes: Annotated[float, typer.Option(
        help="time budget per seed's run (a cap: the shipped runs took the full pass)")] = SHIPPED_MAX_MINUTES,
    mix: Annotated[str, typer.Option(help="training mix (see classifiers/training/DATA.md)")] = SHIPPED_MIX,
    out: Annotated[Path | None, typer.Option(
        help="output directory (default: the shipped classifiers/artefacts/encoder)")] = None,
    seeds: Annotated[str, typer.Option(
        help="comma-separated data-order seeds, several averaged into one model; "
             "MIX:SEED is a run on another mix")] = (
            ",".join(map(str, SHIPPED_SEEDS))),
    per_row_activations: Annotated[bool, typer.Option(
        help="quantise activations per token: scores independent of batch-mates")] = SHIPPED_PER_ROW,
    keep_weights: Annotated[Path | None, typer.Option(
        help="also save each seed's fp32 weights in this directory (not shipped)")] = None,
    from_weights: Annotated[Path | None, typer.Option(
        help="skip fine-tuning: average the seeds' weights saved by --keep-weights")] = None,
) -> None:
    """Rebuild the shipped encoder artefact from ../shared/data (fixed seeds)."""
    from classifiers.feedback import load_feedback_file
    from classifiers.training.train import runs_of, train

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("onnxruntime").setLevel(logging.ERROR)
    logging.getLogger().handlers[0].addFilter(lambda r: "Quantization" not in r.getMessage()
                                              and "Ignore MatMul" not in r.getMessage())
    fb = load_feedback_file(feedback) if feedback else []
    from classifiers.encoder import ARTEFACT_DIR

    out_dir = out or ARTEFACT_DIR
    seed_list = tuple(x.strip() for x in seeds.split(",") if x.strip()) or ("13",)
    try:
        runs_of(mix, seed_list)
    except ValueError as exc:
        raise typer.BadParameter(f"--seeds: {exc} (seeds or MIX:SEED, separated by commas)") from None
    config = train(out_dir=out_dir, feedback=fb, max_minutes=max_minutes, mix=mix,
                   seeds=seed_list, per_row=per_row_activations,
                   keep_dir=keep_weights, from_weights=from_weights)
    from classifiers.training.card import write_card

    write_card(out_dir)
    typer.echo(f"trained {config['version']}: thresholds {config['thresholds']}")


def bench_classify_cmd(
    n: Annotated[int, typer.Option("-n", help="comments in the batched run")] = 10_000,
    singles: Annotated[int, typer.Option(help="comments timed one at a time")] = 300,
    weights: Annotated[str, typer.Option(
        help="int8 weight form: auto (signed where this CPU multiplies it exactly), "
             "unsigned (the shipped form, exact everywhere) or signed (for comparison; "
             "saturates on CPUs without VNNI)")] = "auto",
) -> None:
    """Comments/s batched, single-comment p50/p95, peak RSS and model load time."""
    from classifiers.bench import run_bench
    from classifiers.int8_weights import WEIGHT_FORMS

    if weights not in WEIGHT_FORMS:
        raise typer.BadParameter(f"--weights must be one of {', '.join(WEIGHT_FORMS)}")
    typer.echo(run_bench(n=n, singles=singles, weights=weights))  # type: ignore[arg-type]


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add the classifier commands to the ``safeguard`` CLI and its ``bench`` group."""
    app.command("classify")(classify_cmd)
    app.command("eval")(eval_cmd)
    app.command("train")(train_cmd)
    bench.command("classify")(bench_classify_cmd)
