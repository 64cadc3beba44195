"""``safeguard bench classify``: speed and memory of the default classifier set.

The comments are the domain set's texts (both splits, with their reply contexts), cycled
to the requested count with a small random suffix each so no two are identical — short
page comments, longer posts and replies, in the mix the page actually sees. It is a
script, not a timed test: the machine is shared and noisy (±20%), quote medians.
"""

from __future__ import annotations

import random
import resource
import statistics
import time
from typing import Any

from classifiers.int8_weights import WeightForm, signed_products_exact, weight_form

_SUFFIXES = ["", "", "", " 😊", " x", "!!", " 👏", " lol", " tbh", " 🙏", " ❤️", "?"]


def realistic_comments(n: int, seed: int = 5) -> list[dict[str, Any]]:
    from classifiers.training.data import data_root, read_jsonl

    rows = []
    for split in ("train", "dev"):
        rows += read_jsonl(data_root() / "domain" / f"{split}.jsonl")
    rng = random.Random(seed)
    out = []
    for k in range(n):
        r = rows[k % len(rows)]
        out.append({"id": f"bench-{k}", "text": r["text"] + rng.choice(_SUFFIXES),
                    "context": r.get("context"), "author_role": r["author_role"],
                    "kind": r["kind"], "platform": r["platform"]})
    rng.shuffle(out)
    return out


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_bench(n: int = 10_000, singles: int = 300, weights: WeightForm = "auto") -> str:
    """Run the benchmark; returns a report whose last line is the one-line summary.

    ``weights`` chooses the int8 weight form (``classifiers/int8_weights.py``) so that the
    shipped form and the one this CPU runs fastest can be compared with one command.
    """
    comments = realistic_comments(n)
    t0 = time.perf_counter()
    from classifiers.encoder import shared_runtime
    from classifiers.registry import build_classifiers
    from classifiers.run import classify_items

    with weight_form(weights):
        clfs = build_classifiers(["default"])
        form = shared_runtime().weight_form
    load_s = time.perf_counter() - t0
    list(classify_items(comments[:64], clfs))  # warm-up
    t1 = time.perf_counter()
    flagged = sum(1 for rec in classify_items(comments, clfs) if rec["labels"])
    batched_s = time.perf_counter() - t1
    lat = []
    for item in comments[:singles]:
        t = time.perf_counter()
        list(classify_items([item], clfs))
        lat.append((time.perf_counter() - t) * 1000)
    q = statistics.quantiles(lat, n=100)
    rate = n / batched_s
    summary = (f"classify: {rate:.0f} comments/s, p50 {q[49]:.0f} ms, p95 {q[94]:.0f} ms, "
               f"peak RSS {_peak_rss_mb():.0f} MB, load {load_s:.1f} s")
    exact = "yes" if signed_products_exact() else "no"
    return "\n".join([
        f"classifiers: {', '.join(c.name for c in clfs)}",
        f"int8 weights: {form} (signed products exact on this CPU: {exact})",
        f"batched: {n} comments in {batched_s:.1f} s ({flagged} flagged)",
        f"single: {singles} comments one at a time",
        summary,
    ])
