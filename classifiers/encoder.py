"""Run time for the shared encoder: ``tokenizers`` + ``onnxruntime`` only, no torch.

One ONNX pass per item gives every model-based judgement at once: probabilities for the
sentence heads and, per token, an evidence-span type and a person-name score. Several
classifiers (abuse/complaint/safeguarding, child identification, personal data) read the
same pass; :class:`EncoderRuntime` remembers the last batch so the pass runs once.

Input is the normalised text, paired with the normalised context (the post or comment it
replies to) as the second segment, so "dm me" under a photo of children and under a
booking question are different inputs. The context is cut to ``CONTEXT_CHARS`` because
the item itself carries most of the signal and every token costs time.

Who wrote the item is part of the input too (artefacts whose ``config.json`` says
``"role_input": true``): an item by the organisation starts its second segment with
``ORG_MARK``. Why? The same words mean different things from the club's page and from
the public — "please contact the Setting Manager directly about the incident" is the
policy working when the club says it and a complaint when a parent does — and in the
domain data the organisation almost never writes abuse, disclosures or complaints.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from classifiers.int8_weights import WeightForm, model_for_this_cpu, weight_form_setting
from classifiers.normalise import Normalised, normalise
from monitor.types import AuthorRole

if TYPE_CHECKING:
    from classifiers.base import ClassifierInput

log = logging.getLogger(__name__)

ARTEFACT_DIR = Path(__file__).resolve().parent / "artefacts" / "encoder"
MAX_TOKENS = 96
CONTEXT_CHARS = 160
#: Items per model call. Artefacts quantised per batch score an item a little differently
#: in different batches, so their batch shape stays the one they were calibrated with: 64
#: items, one call at a time, every core inside the call. Per-row artefacts score an item
#: the same in any batch, so the shape is free: calls of 16 items, one per core at once.
#: Measured (tenth session, 2 cores, model only): the per-row graph's many small
#: element-wise ops share a call's cores badly — 364–530 items/s with 64 items on two
#: cores in one call, 688–705/s with 16 items on one core per call, two calls at once.
BATCH = 64
BATCH_PER_ROW = 16
#: Long items (blog posts, long page posts, a hostile commenter's padding) do not fit in
#: ``MAX_TOKENS``. The first pass reads their beginning; the rest is read in further
#: windows of the same size, each paired with the same context and overlapping the one
#: before by ``WINDOW_OVERLAP`` tokens, so a disclosure in the fifth paragraph is read
#: whole. Each head takes its highest probability over the windows and every window's
#: evidence counts. At most ``MAX_WINDOWS`` windows an item (about 8,000 characters,
#: Facebook's comment limit): beyond that only the rules read the text, so one huge
#: comment cannot hold the model for minutes.
WINDOW_OVERLAP = 16
MAX_WINDOWS = 24


def activations_per_row(config: dict[str, Any]) -> bool:
    """Whether an artefact's ``config.json`` says its activations are quantised per row."""
    return config.get("activations") == "per-row"

#: Opens the second segment of an item written by the organisation (plain words, so the
#: pretrained encoder reads them as words, not as an unknown symbol).
ORG_MARK = "[from the organisation]"

#: One model input: (text, context or None, author role).
ModelItem = tuple[str, str | None, str]


@dataclass(frozen=True, slots=True)
class TokenSpan:
    """A run of tokens tagged with one type; offsets into the ORIGINAL text."""

    type: str
    start: int
    end: int
    score: float


@dataclass(frozen=True, slots=True)
class EncoderResult:
    probs: dict[str, float]
    spans: tuple[TokenSpan, ...]
    persons: tuple[TokenSpan, ...]
    norm: Normalised


def make_tokenizer(path: Path) -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(max_length=MAX_TOKENS, strategy="longest_first")
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


@functools.lru_cache(maxsize=4096)
def _context_text(context: str) -> str:
    """Normalised, cut context; cached because many replies share one parent post."""
    return normalise(context).text[:CONTEXT_CHARS]


def encoder_input(norm: Normalised, context: str | None, role: str = "public",
                  role_input: bool = True) -> str | tuple[str, str]:
    """The tokenizer input for one item: the text, or (text, second segment) as a pair.

    The second segment is the context and, for the organisation's own items when the
    artefact was trained with roles, ``ORG_MARK`` before it.
    """
    return pair_input(norm.text, context, role, role_input)


def pair_input(text: str, context: str | None, role: str = "public",
               role_input: bool = True) -> str | tuple[str, str]:
    """:func:`encoder_input` for normalised text (a whole item or one window of it)."""
    ctx = _context_text(context) if context else ""
    if role_input and role == "organisation":
        return (text, f"{ORG_MARK} {ctx}".strip())
    if ctx.strip():
        return (text, ctx)
    return text


def model_items(items: Sequence[ClassifierInput]) -> list[ModelItem]:
    """The model's view of classifier inputs: text, context and who wrote it."""
    return [(it.text, it.context, AuthorRole(it.author_role).value) for it in items]


def item_input(item: dict[str, Any]) -> ModelItem:
    """The model's view of one labelled item (the domain JSON shape)."""
    return (item["text"], item.get("context"), item.get("author_role") or "public")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _merge_runs(labels: list[tuple[str, int, int, float]], text: str) -> list[tuple[str, int, int, float]]:
    """Join neighbouring tokens of one type when only spaces/punctuation separate them."""
    out: list[tuple[str, int, int, float]] = []
    for typ, s, e, p in labels:
        if out and out[-1][0] == typ and s - out[-1][2] <= 2 \
                and not text[out[-1][2]:s].strip(" -'.,"):
            t0, s0, _, p0 = out[-1]
            out[-1] = (t0, s0, e, max(p0, p))
        else:
            out.append((typ, s, e, p))
    return out


class EncoderRuntime:
    """Loads the shipped int8 encoder once; thread-safe; remembers the last batch."""

    def __init__(self, directory: Path = ARTEFACT_DIR, threads: int = 2,
                 weights: WeightForm | None = None) -> None:
        import onnxruntime as ort

        self.directory = directory
        self.config: dict[str, Any] = json.loads((directory / "config.json").read_text())
        self.heads: list[str] = self.config["sent_heads"]
        self.token_types: list[str] = self.config["token_types"]
        self.thresholds: dict[str, float] = self.config["thresholds"]
        self.version: str = self.config["version"]
        self.role_input: bool = bool(self.config.get("role_input", False))
        per_row = activations_per_row(self.config)
        self.batch = BATCH_PER_ROW if per_row else BATCH
        self.streams = max(1, threads) if per_row else 1  # model calls running at once
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1 if per_row else threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # No busy-waiting between ops: on a shared 2-core host spinning threads steal the
        # CPU that the other worker thread (or the pipeline) needs.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # the shipped unsigned weights, or signed ones where this CPU multiplies them
        # exactly and faster (classifiers/int8_weights.py): the same integer products
        model, self.weight_form = model_for_this_cpu(str(directory / "model.int8.onnx"),
                                                     weights or weight_form_setting())
        self.session = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
        del model
        # unpadded: _run pads each length-sorted batch only to its own longest item
        self.tokenizer = make_tokenizer(directory / "tokenizer.json")
        self.tokenizer.no_padding()
        self._full_tokenizer: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        self._lock = threading.Lock()
        self._memo_key: tuple[ModelItem, ...] | None = None
        self._memo: list[EncoderResult] = []

    def run(self, items: Sequence[ModelItem]) -> list[EncoderResult]:
        """Results for (text, context, author role) items, in order. Repeat calls are free."""
        key = tuple(items)
        with self._lock:
            if key == self._memo_key:
                return self._memo
            results = self._run(items)
            self._memo_key, self._memo = key, results
            return results

    def _run(self, items: Sequence[ModelItem]) -> list[EncoderResult]:
        norms = [normalise(t) for t, _, _ in items]
        inputs = [encoder_input(n, c, r, self.role_input) for n, (_, c, r) in zip(norms, items)]
        # Tokenise everything once, unpadded, then batch by token count and pad each batch
        # only to its own longest item: sorting by characters left a third of the tokens
        # fed to the model as padding.
        all_encs = self.tokenizer.encode_batch(inputs)
        # One model row per item, and more for the items too long for one (owner, offset of
        # the window in the normalised text, encoding)
        rows: list[tuple[int, int, Any]] = [(i, 0, enc) for i, enc in enumerate(all_encs)]
        for i, enc in enumerate(all_encs):
            if len(enc.ids) >= MAX_TOKENS:
                rows += self._windows(i, norms[i].text, enc, items[i])
        order = sorted(range(len(rows)), key=lambda r: len(rows[r][2].ids))
        batches = [(idx, [rows[r][2] for r in idx])
                   for idx in (order[b:b + self.batch] for b in range(0, len(order), self.batch))]

        def infer(batch: tuple[list[int], list[Any]]) -> tuple[list[int], list[Any],
                                                                np.ndarray, np.ndarray]:
            return (*batch, *self._infer(batch[1]))

        # onnxruntime releases the GIL: with several streams the calls run at once, and
        # this thread decodes finished batches (in order) while later ones still run
        pool = self._streams_pool() if len(batches) > 1 else None
        runs = pool.map(infer, batches) if pool is not None else map(infer, batches)
        found: list[list[_RowResult]] = [[] for _ in items]
        n_types = len(self.token_types)
        for idx, encs, sent, tok in runs:
            sent_p = _sigmoid(sent).tolist()
            # token heads for the whole batch at once: the best type, its probability and
            # the person probability per token (same arithmetic as per row, done once)
            logits = tok[..., :n_types]
            ex = np.exp(logits - logits.max(axis=-1, keepdims=True))
            soft = ex / ex.sum(axis=-1, keepdims=True)
            best = soft.argmax(axis=-1)
            best_p = np.take_along_axis(soft, best[..., None], axis=-1)[..., 0]
            person = _sigmoid(tok[..., n_types])
            for row, r in enumerate(idx):
                owner, shift, _ = rows[r]
                found[owner].append(self._token_labels(encs[row], sent_p[row], best[row],
                                                       best_p[row], person[row], shift))
        return [self._decode(norm, rs) for norm, rs in zip(norms, found)]

    def _windows(self, owner: int, text: str, first: Any, item: ModelItem) -> list[
            tuple[int, int, Any]]:
        """Rows for the text after what ``first`` (the item's own encoding) could hold: windows
        of as many text tokens, starting and ending on whole words, overlapping by
        ``WINDOW_OVERLAP`` tokens; ``[]`` when nothing was cut."""
        kept = sum(1 for t, sp in zip(first.type_ids, first.special_tokens_mask)
                   if t == 0 and not sp)
        full = self._untruncated().encode(text[:MAX_WINDOWS * MAX_TOKENS * 8],
                                          add_special_tokens=False)
        n = len(full.ids)
        if kept >= n or kept <= WINDOW_OVERLAP:
            return []
        offsets, tokens = full.offsets, full.tokens

        def word_start(k: int) -> int:  # back to the first piece of the word holding token k
            while 0 < k < n and tokens[k].startswith("##"):
                k -= 1
            return k

        _, context, role = item
        out: list[tuple[int, int, Any]] = []
        start = word_start(kept - WINDOW_OVERLAP)
        while start < n and len(out) < MAX_WINDOWS - 1:
            end = min(start + kept, n)
            if end < n:
                end = max(word_start(end), start + 1)
            a, b = offsets[start][0], offsets[end - 1][1]
            enc = self.tokenizer.encode(*_as_args(pair_input(text[a:b], context, role,
                                                             self.role_input)))
            out.append((owner, a, enc))
            if end >= n:
                break
            start = max(word_start(end - WINDOW_OVERLAP), start + 1)
        return out

    def _untruncated(self) -> Any:
        """The tokenizer without its length limit, made once: for cutting long texts."""
        if self._full_tokenizer is None:
            from tokenizers import Tokenizer

            tok = Tokenizer.from_str(self.tokenizer.to_str())
            tok.no_truncation()
            tok.no_padding()
            self._full_tokenizer = tok
        return self._full_tokenizer

    def _streams_pool(self) -> ThreadPoolExecutor | None:
        """The threads that run calls at once, made on first use in this process: a
        forked child inherits the pool object but not its threads, and would wait on it
        for ever."""
        if self.streams < 2:
            return None
        if self._pool is None or self._pool_pid != os.getpid():
            self._pool = ThreadPoolExecutor(self.streams, thread_name_prefix="encoder")
            self._pool_pid = os.getpid()
        return self._pool

    def _infer(self, encs: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        """One model call: the batch padded only to its own longest item."""
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros((len(encs), width), dtype=np.int64)
        types = np.zeros((len(encs), width), dtype=np.int64)
        for r, e in enumerate(encs):
            n = len(e.ids)
            ids[r, :n] = e.ids
            mask[r, :n] = 1
            types[r, :n] = e.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        sent, tok = self.session.run(None, feeds)
        return sent, tok

    def _token_labels(self, enc: Any, sent_p: list[float], best: np.ndarray,
                      best_p: np.ndarray, person: np.ndarray, shift: int) -> _RowResult:
        """One row's head probabilities and its tagged tokens, in normalised-text offsets
        (``shift``: where the row's window starts)."""
        labels: list[tuple[str, int, int, float]] = []
        persons: list[tuple[str, int, int, float]] = []
        # Encoding attributes are rebuilt as Python lists on every access: read each once,
        # and visit only the tokens that carry a type or a person score.
        n = len(enc.ids)
        tagged = np.flatnonzero((best[:n] != 0) | (person[:n] >= 0.5))
        if len(tagged):
            offsets, type_ids, special = enc.offsets, enc.type_ids, enc.special_tokens_mask
            for t in tagged.tolist():
                s, e = offsets[t]
                if type_ids[t] != 0 or e <= s or special[t]:
                    continue
                k = int(best[t])
                if k != 0:
                    labels.append((self.token_types[k], s + shift, e + shift, float(best_p[t])))
                if person[t] >= 0.5:
                    persons.append(("person", s + shift, e + shift, float(person[t])))
        return sent_p, labels, persons

    def _decode(self, norm: Normalised, rows: list[_RowResult]) -> EncoderResult:
        """An item's result from its rows: one, or a long item's windows merged (each head's
        highest probability; each token's label from the window most sure of it)."""
        probs = dict(zip(self.heads, rows[0][0]))
        if len(rows) == 1:
            labels, persons = rows[0][1], rows[0][2]
        else:
            for sent_p, _, _ in rows[1:]:
                for h, p in zip(self.heads, sent_p):
                    probs[h] = max(probs[h], p)
            labels = _by_token([r[1] for r in rows])
            persons = _by_token([r[2] for r in rows])

        def to_orig(runs: list[tuple[str, int, int, float]]) -> tuple[TokenSpan, ...]:
            out = []
            for typ, s, e, p in _merge_runs(runs, norm.text):
                # extend to whole words so evidence reads naturally
                while s > 0 and norm.text[s - 1].isalnum():
                    s -= 1
                while e < len(norm.text) and norm.text[e].isalnum():
                    e += 1
                os_, oe = norm.to_original(s, e)
                out.append(TokenSpan(typ, os_, oe, p))
            return tuple(out)
        return EncoderResult(probs, to_orig(labels), to_orig(persons), norm)


#: One model row: head probabilities, tagged tokens and person tokens (normalised offsets).
_RowResult = tuple[list[float], list[tuple[str, int, int, float]], list[tuple[str, int, int, float]]]


def _as_args(inp: str | tuple[str, str]) -> tuple[str, ...]:
    return (inp,) if isinstance(inp, str) else inp


def _by_token(windows: list[list[tuple[str, int, int, float]]]) -> list[tuple[str, int, int, float]]:
    """Tagged tokens of overlapping windows, once each (the most sure reading), in order."""
    best: dict[tuple[int, int], tuple[str, int, int, float]] = {}
    for labels in windows:
        for lab in labels:
            key = (lab[1], lab[2])
            if key not in best or lab[3] > best[key][3]:
                best[key] = lab
    return [best[k] for k in sorted(best)]


_SHARED: dict[tuple[Path, WeightForm], EncoderRuntime] = {}
_SHARED_LOCK = threading.Lock()


def shared_runtime(directory: Path = ARTEFACT_DIR) -> EncoderRuntime:
    """One runtime per artefact directory (and weight form asked for) per process: the
    model is ~20 MB in memory."""
    key = (directory, weight_form_setting())
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = EncoderRuntime(directory, weights=key[1])
        return _SHARED[key]
