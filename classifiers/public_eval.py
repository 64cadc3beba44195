"""Scores on the public research sets (``shared/data/public/<name>/<split>.jsonl``).

Each public set asks a narrower question than the policy, so each is scored with the
encoder output that answers it: ``offensive`` head for TweetEval offensive / OLID level A,
``hate`` head for TweetEval hate, ``complaint`` head for the complaints set (never trained
on: no licence), the person-name tagger for WNUT-17 and BTC (person entities only, exact
span F1 — not comparable with the all-types WNUT figure), and the ``hate`` and ``offensive``
heads together for HateXplain's three classes (hate speech / offensive / normal), the
question its published baseline answers. Thresholds are the artefact's (benchmark heads:
chosen on each set's dev split), or for HateXplain chosen here on its dev split; nothing is
tuned on a test split.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from classifiers.encoder import EncoderRuntime, item_input, shared_runtime
from classifiers.training.data import read_jsonl

_BINARY = {
    "tweeteval_offensive": ("offensive", "offensive"),
    "olid": ("offensive", "offensive"),
    "tweeteval_hate": ("hate", "hate"),
    "complaints": ("complaint", "complaint"),
}
_PERSON = {"wnut17": "person", "btc": "PER"}
#: Three-class sets: label names (most severe first) and the heads that decide them.
_THREE_CLASS = {"hatexplain": (("hatespeech", "offensive", "normal"), ("hate", "offensive"))}
_GRID = [round(0.05 * k, 2) for k in range(1, 20)]


def _f1s(y: list[Any], p: list[Any], classes: tuple[Any, ...]) -> tuple[list[float], float]:
    """F1 of each class (2·TP / (2·TP + FP + FN)) and the accuracy."""
    f1s = []
    for cls in classes:
        tp = sum(a == cls and b == cls for a, b in zip(y, p))
        fp = sum(a != cls and b == cls for a, b in zip(y, p))
        fn = sum(a == cls and b != cls for a, b in zip(y, p))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return f1s, sum(a == b for a, b in zip(y, p)) / len(y)


def _macro_f1(y: list[bool], p: list[bool]) -> dict[str, float]:
    (pos, neg), acc = _f1s(y, p, (True, False))
    return {"macro_f1": round((pos + neg) / 2, 4), "f1_positive": round(pos, 4),
            "accuracy": round(acc, 4)}


def _three_class_f1(y: list[str], p: list[str], classes: tuple[str, ...]) -> dict[str, float]:
    f1s, acc = _f1s(y, p, classes)
    return {"macro_f1": round(sum(f1s) / len(f1s), 4), "accuracy": round(acc, 4)}


def _decide(probs: list[dict[str, float]], classes: tuple[str, ...], heads: tuple[str, str],
            th: tuple[float, float]) -> list[str]:
    """The first class whose head clears its threshold; the last class otherwise."""
    return [classes[0] if pr[heads[0]] >= th[0] else classes[1] if pr[heads[1]] >= th[1]
            else classes[2] for pr in probs]


def three_class_thresholds(runtime: EncoderRuntime, name: str, dev: Path) -> tuple[float, float]:
    """The two head thresholds that give the best macro-F1 on the set's *dev* split."""
    classes, heads = _THREE_CLASS[name]
    rows = read_jsonl(dev)
    probs = [r.probs for r in runtime.run([item_input(r) for r in rows])]
    y = [r["label"] for r in rows]
    return max(((a, b) for a in _GRID for b in _GRID),
               key=lambda th: _three_class_f1(y, _decide(probs, classes, heads, th),
                                              classes)["macro_f1"])


def _person_spans(tokens: list[str], tags: list[str], label: str) -> set[tuple[int, int]]:
    spans, pos, cur = set(), 0, None
    for tok, tag in zip(tokens, tags):
        if tag == f"B-{label}":
            if cur:
                spans.add(cur)
            cur = (pos, pos + len(tok))
        elif tag == f"I-{label}" and cur:
            cur = (cur[0], pos + len(tok))
        else:
            if cur:
                spans.add(cur)
            cur = None
        pos += len(tok) + 1
    if cur:
        spans.add(cur)
    return spans


def evaluate_public(path: Path, runtime: EncoderRuntime | None = None,
                    name: str | None = None) -> dict[str, Any]:
    """Figures for one public file; the set is named by its directory unless given."""
    runtime = runtime or shared_runtime()
    name = name or path.parent.name
    rows = read_jsonl(path)
    results = runtime.run([item_input(r) for r in rows])
    if name in _BINARY:
        head, positive = _BINARY[name]
        th = runtime.thresholds.get(head, 0.5)
        y = [r["label"] == positive for r in rows]
        p = [res.probs[head] >= th for res in results]
        return {"set": name, "split": path.stem, "head": head, "threshold": th, "n": len(rows),
                **_macro_f1(y, p)}
    if name in _PERSON:
        tp = fp = fn = 0
        for r, res in zip(rows, results):
            gold = _person_spans(r["tokens"], r["tags"], _PERSON[name])
            pred = {(s.start, s.end) for s in res.persons}
            tp += len(gold & pred)
            fp += len(pred - gold)
            fn += len(gold - pred)
        pr = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        return {"set": name, "split": path.stem, "task": "person entities, exact span",
                "n": len(rows), "precision": round(pr, 4), "recall": round(rc, 4),
                "f1": round(2 * pr * rc / (pr + rc) if pr + rc else 0.0, 4)}
    if name in _THREE_CLASS:
        classes, heads = _THREE_CLASS[name]
        th = three_class_thresholds(runtime, name, path.with_name("dev.jsonl"))
        pred = _decide([r.probs for r in results], classes, heads, th)
        return {"set": name, "split": path.stem, "head": " / ".join(heads),
                "thresholds": dict(zip(heads, th)), "n": len(rows),
                **_three_class_f1([r["label"] for r in rows], pred, classes)}
    known = sorted(_BINARY) + sorted(_PERSON) + sorted(_THREE_CLASS)
    raise ValueError(f"no public scorer for {name!r}; known: {known}")
