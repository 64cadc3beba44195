"""Evasion augmentation: rewrite evidence the way commenters dodge filters.

The models read normalised text, so most evasions disappear before the model sees them;
what survives (``clbbs``, a name split by spaces, an emoji in place of a word) is what
this teaches. Spans are rewritten with the text, so evidence stays aligned.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from classifiers.training.data import Example

_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
_CYR = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "i": "і", "y": "у"}


def _mangle(word: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.3:
        return "".join(_LEET.get(c, c) if rng.random() < 0.5 else c for c in word)
    if r < 0.5:
        return " ".join(word)
    if r < 0.6:
        return ".".join(word)
    if r < 0.8:
        return "".join(_CYR.get(c, c) for c in word)
    if r < 0.9:
        return "\u200b".join(word)
    return "".join(c * 3 if c.isalpha() and rng.random() < 0.15 else c for c in word)


def evade(ex: Example, rng: random.Random) -> Example:
    """A copy of ``ex`` with one evidence word in each span mangled."""
    from classifiers.training.data import Example

    text = ex.text
    spans = sorted(ex.spans or [], key=lambda s: s["start"])
    pieces: list[str] = []
    new_spans = []
    pos = 0
    shift = 0
    for s in spans:
        if s["start"] < pos:  # overlapping span: keep it unchanged in new coordinates
            new_spans.append({**s, "start": s["start"] + shift, "end": s["end"] + shift})
            continue
        pieces.append(text[pos:s["start"]])
        inner = text[s["start"]:s["end"]]
        words = inner.split(" ")
        long_words = [i for i, w in enumerate(words) if len(w) >= 3 and w.isalpha()]
        if long_words:
            i = rng.choice(long_words)
            words[i] = _mangle(words[i], rng)
        new_inner = " ".join(words)
        start = s["start"] + shift
        new_spans.append({**s, "start": start, "end": start + len(new_inner)})
        shift += len(new_inner) - len(inner)
        pieces.append(new_inner)
        pos = s["end"]
    pieces.append(text[pos:])
    return Example("".join(pieces), ex.context, dict(ex.heads), spans=new_spans,
                   source=ex.source + "+evasion", role=ex.role,
                   learn_tags=ex.learn_tags, tag_types=ex.tag_types,
                   tag_outside=ex.tag_outside)
