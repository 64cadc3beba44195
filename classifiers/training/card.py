"""Write ``artefacts/encoder/MODEL_CARD.md`` from measured figures.

Why generated? Figures typed by hand drift from the artefact they describe; this runs the
shipped int8 model on the domain dev split and the public test splits and writes what it
measured, with the split named, every time ``safeguard train`` runs.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from classifiers.encoder import (
    ARTEFACT_DIR,
    BATCH,
    BATCH_PER_ROW,
    EncoderRuntime,
    activations_per_row,
    item_input,
)
from classifiers.training.data import MIXES

log = logging.getLogger(__name__)

#: Written for choosing between candidates (DATA.md), never trained on: free-form items,
#: not rendered from templates. Dev alone (382 items) is too small to rank close runs. The
#: first is the engineer's; the second author saw neither the templates, the free-form
#: training items, dev nor the first set.
HELDOUT_SETS = {key: Path(__file__).with_name(f"{key}.jsonl")
                for key in ("heldout_written", "heldout_second_author", "heldout_third_author")}
PUBLIC_TESTS = ("tweeteval_offensive", "tweeteval_hate", "hatexplain", "complaints", "wnut17",
                "btc")
_BASELINES = {
    "tweeteval_offensive": "macro-F1 82.2 best (TimeLMs-2021); 80.5 RoBERTa-Retrained; 79.5 BERTweet",
    "tweeteval_hate": "macro-F1 56.4 (BERTweet, leaderboard)",
    "hatexplain": "3-class macro-F1 0.687, acc 0.698 (BERT-HateXplain, 12-layer BERT-base)",
    "complaints": "paper: up to 79 F1 in cross-validation (not comparable); never trained on",
    "wnut17": "all six types exact-span F1 0.419 (2017 best); ours is person only, not comparable",
    "btc": "not established",
}


def _runs(cfg: dict[str, Any]) -> str:
    """"976 steps of 32, seed 13" or, for a soup, each run's steps and seed."""
    seeds = cfg.get("seeds") or [13]
    if len(seeds) == 1:
        return f"{cfg.get('steps')} steps of 32, seed {seeds[0]}"
    def run(seed: int | str) -> str:
        mix, _, number = str(seed).rpartition(":")
        return f"data-order seed {number}" + (f" on mix `{mix}`" if mix else "")

    per = ", ".join(f"{n} steps with {run(s)}" for n, s in zip(cfg.get("steps_per_seed", []), seeds))
    return (f"the weight average of {len(seeds)} runs from the same start ({per}; "
            "`train.average_weights`)")


def measure(out_dir: Path = ARTEFACT_DIR) -> dict[str, Any]:
    from classifiers.child_identification import ChildIdentificationClassifier
    from classifiers.evaluate import evaluate
    from classifiers.personal_data import PersonalDataClassifier
    from classifiers.policy_model import PolicyEncoderClassifier
    from classifiers.public_eval import evaluate_public
    from classifiers.run import classify_items
    from classifiers.training.data import data_root, read_jsonl

    runtime = EncoderRuntime(out_dir)
    clfs = [PolicyEncoderClassifier(runtime), ChildIdentificationClassifier(runtime=runtime),
            PersonalDataClassifier(runtime=runtime)]
    dev = read_jsonl(data_root() / "domain" / "dev.jsonl")
    pred = list(classify_items(dev, clfs))
    result: dict[str, Any] = {"dev": evaluate(dev, pred)}
    # One at a time, as a webhook delivers them: with activations quantised per batch an
    # item's scores move with its batch-mates, so the batched figures are not the whole story.
    alone = [rec for it in dev for rec in classify_items([it], clfs)]
    result["dev_alone"] = evaluate(dev, alone)["all"]
    result["dev_alone"]["changed_items"] = sum(a["labels"] != b["labels"]
                                               for a, b in zip(pred, alone))
    for key, path in HELDOUT_SETS.items():
        held = read_jsonl(path)
        result[key] = evaluate(held, list(classify_items(held, clfs)))
    raw = runtime.run([item_input(it) for it in dev])
    y = [("safeguarding" in it["labels"]) for it in dev]
    table = []
    for th in (0.05, 0.1, 0.2, 0.3, 0.4, runtime.thresholds["safeguarding"], 0.5, 0.7):
        pred_sg = [r.probs["safeguarding"] >= th for r in raw]
        tp = sum(a and b for a, b in zip(y, pred_sg))
        fp = sum(b and not a for a, b in zip(y, pred_sg))
        table.append({"threshold": round(th, 3), "recall": round(tp / max(sum(y), 1), 4),
                      "precision": round(tp / max(tp + fp, 1), 4), "flagged": tp + fp})
    result["safeguarding_thresholds"] = sorted({json.dumps(t) for t in table},
                                               key=lambda s: json.loads(s)["threshold"])
    result["public"] = {}
    for name in PUBLIC_TESTS:
        path = data_root() / "public" / name / "test.jsonl"
        if path.exists():
            result["public"][name] = evaluate_public(path, runtime, name)
    return result


def _heldout_section(m: dict[str, Any], key: str, who: str) -> list[str]:
    fig = m[key]["all"]
    return [f"## Metrics: `classifiers/training/{HELDOUT_SETS[key].name}` ({fig['items']} items, "
            "never trained on)", who, "",
            f"macro-F1 {fig['macro_f1']} · false alarms {fig['false_alarm_rate']:.1%} of "
            f"{fig['negatives']} · safeguarding recall "
            f"{fig['per_category']['safeguarding']['recall']}.", ""]


def _run_time(cfg: dict[str, Any]) -> str:
    """How the artefact is run: the batch shape follows how activations are quantised."""
    common = ("Items are normalised, tokenised once without padding and sorted by token "
              "count; each batch is padded only to its own longest item; the graph's repeated "
              "attention-mask and NaN-guard nodes are removed after export "
              "(`export.simplify_attention`, outputs unchanged). ")
    if activations_per_row(cfg):
        return common + (
            "Activations are quantised per token, so the batch shape changes no score: the "
            f"run time sends calls of {BATCH_PER_ROW} items, one per core, two at once "
            "(`encoder.BATCH_PER_ROW`). Speed: `safeguard bench classify`.")
    return common + (
        f"Batches are {BATCH} items, one call at a time. The int8 graph quantises "
        "activations per batch, so an item's scores move slightly (mean 0.02, up to ~0.15) with its "
        "batch-mates; thresholds are therefore calibrated with exactly this batching. "
        "Speed: `safeguard bench classify`.")


def _alone_section(m: dict[str, Any], cfg: dict[str, Any]) -> list[str]:
    fig = m["dev_alone"]
    per_row = activations_per_row(cfg)
    how = ("Activations are quantised per token (`export.per_row_activations`), so an item "
           "scores the same alone as in any batch." if per_row else
           "Activations are quantised per batch (one scale for every token of the batch), "
           "so an item's scores move slightly with its batch-mates: the figures above are "
           f"for dev run {BATCH} at a time in token-length order, and the daemon's batches "
           "differ. "
           "`safeguard train --per-row-activations` builds an artefact without this.")
    return ["### Dev, each item classified alone (as a webhook delivers it)", how, "",
            f"macro-F1 {fig['macro_f1']} · false alarms {fig['false_alarm_rate']:.1%} of "
            f"{fig['negatives']} · safeguarding recall "
            f"{fig['per_category']['safeguarding']['recall']} · {fig['changed_items']} of "
            f"{fig['items']} items labelled differently from the batched run.", ""]


def write_card(out_dir: Path = ARTEFACT_DIR) -> Path:
    cfg = json.loads((out_dir / "config.json").read_text())
    mix = MIXES.get(cfg.get("mix", ""), {})
    m = measure(out_dir)
    dev = m["dev"]["all"]
    lines = [
        "# Model card: shared policy encoder (`classifiers/artefacts/encoder`)",
        "",
        f"Version `{cfg['version']}` (mix `{cfg.get('mix', 'v1')}`) · base: {cfg['base']}, first {cfg['layers']} of 6 layers, "
        "fine-tuned end to end with sentence heads "
        f"({', '.join(cfg['sent_heads'])}) and per-token heads (evidence span type; person name) · "
        "ONNX int8, per-channel weights stored unsigned (`export.unsigned_weights`: the same "
        "figures on every x86 CPU; loaded signed where a probe shows that is exact, which is "
        "faster: `int8_weights.py`) · run with `tokenizers` + `onnxruntime` only.",
        "",
        "Input: the normalised text, paired with up to 160 characters of the text it replies "
        "to" + (" and, for the organisation's own items, a mark saying so (`encoder.ORG_MARK`): "
                "the same words mean one thing from the club's page and another from a parent"
                if cfg.get("role_input") else "") + ".",
        "",
        "## Intended use",
        "Flagging items on a UK childcare provider's own social media accounts for a human "
        "reviewer (DSL / Setting Manager), per `shared/policy/categories.md`. Used by the "
        "`policy_encoder` (safeguarding, abuse, complaint), `child_identification` and "
        "`personal_data` classifiers, which add exact rules (roster, configured schools, "
        "phones, e-mails, postcodes, addresses, year groups). Not for automatic removal or "
        "for judging people: every flag goes to a person.",
        "",
        "## How a detection is made",
        "A category counts only with evidence: a span from a rule or from the encoder's "
        "tagger, with the head at or above its threshold (safeguarding, abuse and complaint "
        "also count when the tagger's evidence is strong, ≥ 0.75, and the head is at least "
        "a third of its threshold; a head with no evidence counts only at ≥ 0.6). On the "
        "first model, head-only hits were nearly all false alarms. Formulaic safeguarding "
        "wordings (`classifiers/safeguarding_cues.py`) always count, and so does a public "
        "threat to go to the press, Ofsted, a solicitor or social media for a complaint "
        "(`classifiers/complaint_cues.py`), and a threat against a person for abuse "
        "(`classifiers/abuse_cues.py`). Child identification "
        "adds the roster, configured places, \"my/our <Name>\" and a public-figure list, "
        "and sets aside the name of the person a reply answers (`context_author`); "
        "personal data adds exact rules for phones, e-mails, postcodes and addresses.",
        "",
        "## Run time",
        _run_time(cfg),
        "",
        "## Data",
        "See `classifiers/training/DATA.md`: domain `train` (minus a 15% calibration slice), "
        "hand-written template data"
        + (" and free-form written items" if mix.get("free") else "")
        + " with evasion copies, TweetEval offensive and hate train "
        "splits" + (", HateXplain train" if mix.get("hatexplain") else "") + ", WNUT-17 and BTC "
        "train (person names). No test split, no `complaints` data, no "
        f"domain `dev` item was trained on. {cfg.get('train_examples')} training examples, "
        + _runs(cfg) + ".",
        "",
        "## Thresholds",
        "Chosen on the calibration slice of domain train, int8 model: F1-optimal, except "
        "safeguarding = the highest threshold keeping recall ≥ 0.97 there.",
        "",
        "| head | threshold |", "|---|---|",
        *[f"| {k} | {v} |" for k, v in cfg["thresholds"].items()],
        "",
        "### Safeguarding: threshold → recall on domain dev (39 items; int8 head alone)",
        "| threshold | recall | precision | flagged |", "|---|---|---|---|",
        *[f"| {t['threshold']} | {t['recall']} | {t['precision']} | {t['flagged']} |"
          for t in map(json.loads, m["safeguarding_thresholds"])],
        "",
        "## Metrics: domain dev split (382 items, never trained on), default classifier set",
        "| category | P | R | F1 | support |", "|---|---|---|---|---|",
        *[f"| {c} | {v['precision']} | {v['recall']} | {v['f1']} | {v['support']} |"
          for c, v in dev["per_category"].items()],
        "",
        f"macro-F1 **{dev['macro_f1']}** · false alarms on true negatives "
        f"**{dev['false_alarm_rate']:.1%}** of {dev['negatives']} · child_identification span "
        f"recall **{dev['child_span_recall']}** (overlap; exact boundaries {dev['child_span_exact']}).",
        "",
        f"Evasion items in dev ({m['dev']['evasion']['items']}): label recall "
        f"{m['dev']['evasion']['label_recall']} vs {m['dev']['plain_flagged']['label_recall']} "
        "on plain flagged items.",
        "",
        *_alone_section(m, cfg),
        *_heldout_section(m, "heldout_written",
                          "Free-form items written by the project's engineer, not from templates; "
                          "same author as the templates, so not independent of them."),
        *_heldout_section(m, "heldout_second_author",
                          "Free-form items by a second author who saw neither the templates, the "
                          "free-form training items, dev nor the first held-out set."),
        *_heldout_section(m, "heldout_third_author",
                          "Free-form items by a third author (eleventh session) under the same "
                          "conditions; no model before `v24` was chosen with it."),
        "All three are a second view for choosing between candidates, not a substitute for real "
        "traffic.",
        "",
        "## Metrics: public test splits (never trained on; benchmark-head thresholds chosen on each set's dev split)",
        "| set | task | figure | published |", "|---|---|---|---|",
    ]
    for name, r in m["public"].items():
        fig = (f"macro-F1 {r['macro_f1']}, acc {r['accuracy']}" if "macro_f1" in r
               else f"P {r['precision']} R {r['recall']} F1 {r['f1']}")
        lines.append(f"| {name} test | {r.get('head') or r.get('task')} | {fig} | "
                     f"{_BASELINES.get(name, '')} |")
    lines += [
        "",
        "## Limits",
        "- Four layers of MiniLM with 96 tokens of input (text first, then up to 160 "
        "characters of the replied-to text). A longer item is read in further overlapping "
        "windows with the same context (`encoder.WINDOW_OVERLAP`), up to 24 windows (about "
        "8,000 characters, `encoder.MAX_WINDOWS`); past that only the rules read it. Training "
        "saw few long items, so a breach deep in a long post scores lower than the same "
        "words alone.",
        "- The domain set and the written data are synthetic, single-author and UK English; "
        "real traffic has far fewer positives, so precision on a real page will be lower "
        "than on dev. Calibrate with reviewer feedback (`safeguard train --feedback`).",
        "- Safeguarding is set for recall: expect false alarms on worried-parent posts and "
        "organisation replies to disclosures.",
        *(["- The model knows when the organisation wrote an item, and the domain data "
           "rarely flags the organisation's own posts, so it flags fewer of them: check "
           "`tests/classifiers/organisation_posts.txt` (six breaches of the policy by the "
           "club's page, six fine notices) before shipping a new artefact."]
          if cfg.get("role_input") else []),
        "- The TweetEval hate data covers only immigrants and women (HateXplain, in mix v7, "
        "adds race, religion, sexuality and disability, in US-centred Gab and Twitter text); "
        "the `hate` head only raises severity, it never flags on its own.",
        "- The TweetEval hate test split differs from its train split (HatEval's known shift): "
        "the hate figure is below the best published one.",
        "- Names the roster does not know rely on the model and the person tagger: unusual "
        "names written in lower case are missed more often.",
        "- Text only: photos and video frames go through `classifiers/images/` (their OCR "
        "text comes back through this encoder).",
        "",
        "Reproduce: `safeguard train` (then this card is rewritten); measure: "
        "`safeguard eval ../shared/data/domain/dev.jsonl`.",
    ]
    path = out_dir / "MODEL_CARD.md"
    path.write_text("\n".join(lines) + "\n")
    (out_dir / "metrics.json").write_text(json.dumps(m, indent=1))
    return path
