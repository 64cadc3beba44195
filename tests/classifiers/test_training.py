"""Training recipe pieces that must hold without training a model (that is `safeguard train`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from classifiers.cli import register
from classifiers.training import SHIPPED_MIX
from classifiers.training.data import (
    DOMAIN_HEADS,
    FREE_FILES,
    MIXES,
    data_root,
    free_written_items,
    from_item,
    read_jsonl,
    training_examples,
)
from classifiers.training.generate import generate
from classifiers.training.templates import (
    TEMPLATES_V4,
    TEMPLATES_V5,
    TEMPLATES_V6,
    TEMPLATES_V7,
    TEMPLATES_V8,
)


def test_a_soup_is_the_mean_of_its_runs_and_keeps_integer_buffers() -> None:
    """Averaging weights from runs with one start: floats averaged, counters untouched."""
    torch = pytest.importorskip("torch")
    from classifiers.training.train import average_weights

    a = {"w": torch.tensor([1.0, 3.0]), "ids": torch.tensor([0, 1, 2])}
    b = {"w": torch.tensor([3.0, 5.0]), "ids": torch.tensor([0, 1, 2])}
    soup = average_weights([a, b])
    assert soup["w"].tolist() == [2.0, 4.0]
    assert soup["ids"].dtype == torch.int64 and soup["ids"].tolist() == [0, 1, 2]


def test_each_mix_only_adds_to_the_one_before_it() -> None:
    """v7 = v6 + the fourth batch + HateXplain: v6's domain and written items are all still
    there (public sets are sampled, so their samples may differ)."""
    own = ("domain", "generated")
    v6 = {(e.text, e.context) for e in training_examples(mix="v6") if e.source in own}
    v7 = training_examples(mix="v7")
    assert v6 < {(e.text, e.context) for e in v7 if e.source in own}
    assert {e.source for e in v7} >= {"hatexplain", "generated", "domain", "tweeteval_hate"}
    assert MIXES["v7"]["hatexplain"] > 0


def test_hatexplain_hate_is_abuse_and_nothing_from_a_test_split_is_used() -> None:
    examples = [e for e in training_examples(mix="v7") if e.source == "hatexplain"]
    train: dict[str, set[str]] = {}
    for r in read_jsonl(data_root() / "public" / "hatexplain" / "train.jsonl"):
        train.setdefault(r["text"], set()).add(r["label"])
    test = {r["text"] for r in read_jsonl(data_root() / "public" / "hatexplain" / "test.jsonl")}
    assert examples and all(e.text in train for e in examples)
    assert not {e.text for e in examples} & (test - set(train))
    for e in examples:
        if e.heads["hate"]:
            assert e.heads == {"hate": 1.0, "abuse": 1.0} and "hatespeech" in train[e.text]
        else:
            assert train[e.text] - {"hatespeech"}


@pytest.mark.parametrize("batch", [TEMPLATES_V4, TEMPLATES_V5, TEMPLATES_V6, TEMPLATES_V7, TEMPLATES_V8],
                         ids=["fourth", "fifth", "sixth", "seventh", "eighth"])
def test_the_later_template_batches_are_not_copied_from_dev(batch: list[dict[str, Any]]) -> None:
    """Written from the policy: no rendered item is a near-copy of a domain dev item."""
    from rapidfuzz import fuzz, process

    dev = [json.loads(line)["text"] for line in
           (data_root() / "domain" / "dev.jsonl").read_text().splitlines() if line.strip()]
    items: list[dict[str, Any]] = list(generate(n_per_template=3, seed=13, templates=batch))
    assert items
    closest = max(process.extractOne(it["text"], dev, scorer=fuzz.ratio)[1] for it in items)
    assert closest < 80, closest


def test_every_own_example_carries_its_author_role() -> None:
    """The role reaches the model: domain and written items keep theirs (evasion variants
    included); public-set posts are the public's."""
    examples = training_examples(mix="v8")
    domain = {it["text"]: it["author_role"] for it in read_jsonl(data_root() / "domain" / "train.jsonl")}
    own = [e for e in examples if e.source == "domain"]
    assert own and all(e.role == domain[e.text] for e in own)
    assert {e.role for e in examples if e.source.startswith("generated")} == {"public", "organisation"}
    assert {e.role for e in examples if e.source.endswith("+evasion")} == {"public", "organisation"}
    assert {e.role for e in examples if e.source in ("tweeteval_hate", "hatexplain")} == {"public"}


def test_the_fifth_batch_does_not_make_the_organisation_a_blanket_excuse() -> None:
    """Hard negatives by the organisation come with the organisation breaking the policy."""
    org = [t for t in TEMPLATES_V5 if t.get("role") == "organisation"]
    flagged = {label for t in org for label in t["labels"]}
    assert {"complaint", "abuse", "safeguarding", "personal_data"} <= flagged
    assert sum(1 for t in org if not t["labels"]) > len(flagged)


def test_mix_v10_gives_every_abuse_and_safeguarding_item_an_evasion_copy() -> None:
    """Commenters dodge filters mostly in insults and contact requests: in v10 each such
    item with evidence is also trained in an evaded form (others: about half)."""
    examples = training_examples(mix="v10")
    evaded = sum(1 for e in examples if e.source.endswith("+evasion")
                 and (e.heads.get("abuse") or e.heads.get("safeguarding")))
    own = {(e.text, e.context) for e in examples if e.source in ("domain", "generated")
           and e.spans and (e.heads.get("abuse") or e.heads.get("safeguarding"))}
    assert evaded >= len(own) > 0


def test_the_seventh_batch_writes_each_harm_beside_ordinary_items_sharing_its_words() -> None:
    """Breadth, not one shape per harm: many safeguarding situations, in more than one
    voice (children's messages too), with at least half as many hard negatives."""
    sg = [t for t in TEMPLATES_V7 if "safeguarding" in t["labels"]]
    negatives = [t for t in TEMPLATES_V7 if not t["labels"]]
    assert len(sg) >= 30 and len(negatives) >= len(sg) // 2
    assert any(t.get("kind") == "message" for t in sg)
    assert any(t.get("role") == "organisation" for t in negatives)


@pytest.mark.parametrize("mix,base", [("v11", "v9"), ("v12", "v8")])
def test_the_seventh_batch_mixes_add_it_to_their_base(mix: str, base: str) -> None:
    own = ("domain", "generated")
    before = {(e.text, e.context) for e in training_examples(mix=base) if e.source in own}
    after = {(e.text, e.context) for e in training_examples(mix=mix) if e.source in own}
    assert before < after
    assert len(after - before) >= len(TEMPLATES_V7) * 8  # ~10 fills per template


def test_the_eighth_batch_is_ordinary_talk_in_the_seventh_batchs_voices() -> None:
    """Hard negatives only, in the voices the seventh batch disclosed harm in: children's
    messages, neighbours, parents telling what staff did, the organisation's notices. None
    names a child (a first name would make it a child_identification item)."""
    assert all(not t["labels"] for t in TEMPLATES_V8)
    assert sum(1 for t in TEMPLATES_V8 if t.get("kind") == "message") >= 8
    assert sum(1 for t in TEMPLATES_V8 if t.get("role") == "organisation") >= 5
    assert not any("{child" in t["text"] or "{surname}" in t["text"] for t in TEMPLATES_V8)


def test_mix_v13_adds_the_eighth_batch_to_v12() -> None:
    own = ("domain", "generated")
    before = {(e.text, e.context) for e in training_examples(mix="v12") if e.source in own}
    added = [e for e in training_examples(mix="v13") if e.source == "generated"
             and (e.text, e.context) not in before]
    assert len({e.text for e in added}) >= len(TEMPLATES_V8) * 8  # ~10 fills per template
    assert all(not any(e.heads.get(h) for h in DOMAIN_HEADS) for e in added)


@pytest.mark.parametrize("key,size", [("heldout_written", 80), ("heldout_second_author", 140),
                                      ("heldout_third_author", 140)])
def test_a_heldout_set_is_neither_trained_on_nor_a_near_copy_of_training_text(key: str, size: int) -> None:
    """A set for choosing between candidates only helps if the model has not seen it: no
    item is in the shipped or the newest mix, and none is close to any rendered template
    or free-form written training item."""
    from rapidfuzz import fuzz, process

    from classifiers.training import templates as T
    from classifiers.training.card import HELDOUT_SETS

    held = [it["text"] for it in read_jsonl(HELDOUT_SETS[key])]
    assert len(held) >= size
    for mix in (SHIPPED_MIX, list(MIXES)[-1]):  # the shipped mix and the newest
        assert not set(held) & {e.text for e in training_examples(mix=mix)}
    every_batch = T.TEMPLATES + [t for batch in T.BATCHES.values() for t in batch]
    written = [it["text"] for it in generate(n_per_template=3, seed=13, templates=every_batch)]
    written += [it["text"] for it in free_written_items()]
    closest = max(process.extractOne(h, written, scorer=fuzz.ratio)[1] for h in held)
    assert closest < 80, closest


def _domain_shape_problems(items: list[dict[str, Any]]) -> list[str]:
    """The domain set's own validator (shared/data/domain/validate.py), run on ``items``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("domain_validate", data_root() / "domain" / "validate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.check([(it["id"], it) for it in items])


def test_free_written_items_are_valid_domain_items_unlike_any_evaluation_item() -> None:
    """The free-form training items pass the domain set's validator (labels, span types,
    evidence for every label) and none is a near-copy of a dev or held-out item."""
    from rapidfuzz import fuzz, process

    from classifiers.training.card import HELDOUT_SETS

    items = free_written_items()
    assert len(items) >= 400
    assert not _domain_shape_problems(items)
    evaluation = [it["text"] for it in read_jsonl(data_root() / "domain" / "dev.jsonl")]
    evaluation += [it["text"] for path in HELDOUT_SETS.values() for it in read_jsonl(path)]
    for check in ("organisation_posts.txt", "everyday_posts.txt"):  # the tests' own checks
        evaluation += [line.split("|", 1)[1] for line in
                       (Path(__file__).with_name(check)).read_text().splitlines()]
    closest = max(process.extractOne(it["text"], evaluation, scorer=fuzz.ratio)[1] for it in items)
    assert closest < 80, closest


@pytest.mark.parametrize("key", ["heldout_second_author", "heldout_third_author"])
def test_the_other_authors_heldout_sets_are_valid_domain_sets(key: str) -> None:
    from classifiers.training.card import HELDOUT_SETS

    assert not _domain_shape_problems(read_jsonl(HELDOUT_SETS[key]))


@pytest.mark.parametrize("mix,base", [("v14", "v13"), ("v15", "v8")])
def test_the_free_written_mixes_add_each_item_three_times_with_its_role(mix: str, base: str) -> None:
    """Free-form items weigh like the domain set (three copies), keep their author role and
    labels, and change nothing else in the base mix."""
    from collections import Counter

    examples = training_examples(mix=mix)
    free = Counter((e.text, e.context, e.role, tuple(sorted(e.heads.items())))
                   for e in examples if e.source == "free")
    items = free_written_items(FREE_FILES)
    assert len(free) == len(items) and set(free.values()) == {3}
    for it in items:
        heads = tuple(sorted(from_item(it, "free").heads.items()))
        assert free[(it["text"], it["context"], it["author_role"], heads)] == 3
    rest = Counter(e.text for e in examples if not e.source.startswith("free"))
    assert rest == Counter(e.text for e in training_examples(mix=base))


def test_mix_v17_keeps_free_items_naming_a_child_out_of_the_span_tagger() -> None:
    """v17 is v16 with the same examples; only the free-form items labelled child
    identification (and their evasion copies) stop teaching the tagger, and their
    token targets are then all ignored while their sentence heads still count."""
    from classifiers.encoder import ARTEFACT_DIR, encoder_input, make_tokenizer
    from classifiers.normalise import normalise
    from classifiers.training.train import _token_targets

    v16, v17 = training_examples(mix="v16"), training_examples(mix="v17")
    assert [(e.text, e.heads) for e in v16] == [(e.text, e.heads) for e in v17]
    assert all(e.learn_tags for e in v16)
    untaught = [e for e in v17 if not e.learn_tags]
    assert {e.source for e in untaught} == {"free", "free+evasion"}
    assert all(e.heads["child_identification"] == 1.0 for e in untaught)
    assert all(e.learn_tags for e in v17 if e.source.startswith("free")
               and not e.heads["child_identification"])

    tokenizer = make_tokenizer(ARTEFACT_DIR / "tokenizer.json")
    types = ("O", "child_name", "age", "school")
    ex = next(e for e in untaught if e.spans)
    taught = type(ex)(ex.text, ex.context, dict(ex.heads), spans=ex.spans, source=ex.source)
    norm = normalise(ex.text)
    enc = tokenizer.encode(encoder_input(norm, ex.context, ex.role, True))
    assert set(_token_targets(ex, enc, norm, types)[0]) == {-100}
    assert set(_token_targets(taught, enc, norm, types)[0]) - {-100}


@pytest.mark.parametrize("mix,base", [("v22", "v21"), ("v23", "v20")])
def test_free_tags_off_keeps_every_free_form_item_away_from_the_span_tagger(mix: str, base: str) -> None:
    """v22 (v23) is v21 (v20) with one change: free-form items (and their evasion copies)
    teach the sentence heads only; every other example still teaches the tagger."""
    old, new = training_examples(mix=base), training_examples(mix=mix)
    assert [(e.text, e.heads, e.spans) for e in old] == [(e.text, e.heads, e.spans) for e in new]
    assert {e.source for e in new if not e.learn_tags} == {"free", "free+evasion"}
    assert not any(e.learn_tags for e in new if e.source.startswith("free"))
    assert any(e.learn_tags for e in old if e.source.startswith("free"))


def test_mix_v26_teaches_the_tagger_only_the_safeguarding_evidence_of_free_form_items() -> None:
    """v26 is v23 with the same examples; free-form items (and their evasion copies) now
    teach the tagger their disclosure, contact-request and threat spans: tokens there get
    that type, tokens in their other spans are ignored, every other token is "outside"."""
    from classifiers.encoder import ARTEFACT_DIR, encoder_input, make_tokenizer
    from classifiers.normalise import normalise
    from classifiers.training.data import SAFEGUARDING_SPAN_TYPES
    from classifiers.training.train import _token_targets

    old, new = training_examples(mix="v23"), training_examples(mix="v26")
    assert [(e.text, e.heads, e.spans) for e in old] == [(e.text, e.heads, e.spans) for e in new]
    limited = [e for e in new if e.tag_types is not None]
    assert {e.source for e in limited} == {"free", "free+evasion"}
    assert all(e.learn_tags and e.tag_types == set(SAFEGUARDING_SPAN_TYPES) for e in limited)
    assert all(e.tag_types is None for e in new if not e.source.startswith("free"))

    types = ("O", "child_name", "school", "disclosure")
    ex = next(e for e in limited if {s["type"] for s in e.spans or []} >= {"child_name", "disclosure"})
    norm = normalise(ex.text)
    enc = make_tokenizer(ARTEFACT_DIR / "tokenizer.json").encode(
        encoder_input(norm, ex.context, ex.role, True))
    targets = _token_targets(ex, enc, norm, types)[0]
    assert types.index("disclosure") in targets and 0 in targets
    assert types.index("child_name") not in targets
    everything = type(ex)(ex.text, ex.context, dict(ex.heads), spans=ex.spans, source=ex.source)
    full = _token_targets(everything, enc, norm, types)[0]
    # where the full teaching says "child name", the limited one says nothing
    assert [t for f, t in zip(full, targets) if f == types.index("child_name")] == \
        [-100] * full.count(types.index("child_name"))


def test_mix_v29_keeps_free_form_child_items_from_teaching_what_is_outside_their_spans() -> None:
    """v29 is v28 with the same examples; a free-form item that identifies a child (and its
    evasion copy) teaches only its safeguarding spans: every other token is ignored, so a
    detail its writer left unmarked teaches nothing. Other free-form items are as in v28."""
    from classifiers.encoder import ARTEFACT_DIR, encoder_input, make_tokenizer
    from classifiers.normalise import normalise
    from classifiers.training.train import _token_targets

    old, new = training_examples(mix="v28"), training_examples(mix="v29")
    assert [(e.text, e.heads, e.tag_types) for e in old] == [(e.text, e.heads, e.tag_types) for e in new]
    quiet = [e for e in new if not e.tag_outside]
    assert quiet and {e.source for e in quiet} == {"free", "free+evasion"}
    assert all(e.heads["child_identification"] for e in quiet)
    assert all(e.tag_outside for e in new if e.source.startswith("free")
               and not e.heads["child_identification"])
    assert all(e.tag_outside for e in old)

    types = ("O", "child_name", "disclosure")
    tok = make_tokenizer(ARTEFACT_DIR / "tokenizer.json")
    ex = next(e for e in quiet if {s["type"] for s in e.spans or []} >= {"child_name", "disclosure"})
    norm = normalise(ex.text)
    targets = _token_targets(ex, tok.encode(encoder_input(norm, ex.context, ex.role, True)),
                             norm, types)[0]
    assert set(targets) == {-100, types.index("disclosure")}


def test_saved_weights_from_another_mix_are_refused(tmp_path: Any) -> None:
    """`safeguard train --from-weights` averages saved runs only if they were trained on
    the mix asked for: weights of another mix would be exported under the wrong name."""
    torch = pytest.importorskip("torch")
    from classifiers.training.train import train

    torch.save({"state_dict": {}, "steps": 10, "examples": 123, "mix": "v8"}, tmp_path / "v8-s13.pt")
    with pytest.raises(ValueError, match="trained on 123 examples of mix v8"):
        train(out_dir=tmp_path / "out", mix="v8", seeds=(13,), from_weights=tmp_path)
    # v17 and v16 have the same number of examples: the mix's name tells them apart
    n16 = len(training_examples(mix="v16"))
    torch.save({"state_dict": {}, "steps": 10, "examples": n16, "mix": "v16"}, tmp_path / "v17-s13.pt")
    with pytest.raises(ValueError, match="mix v16, not on the"):
        train(out_dir=tmp_path / "out", mix="v17", seeds=(13,), from_weights=tmp_path)
    assert not (tmp_path / "out").exists()


def test_a_soup_may_average_runs_of_nested_mixes_named_mix_colon_seed() -> None:
    """``--seeds 13,v27:13`` is one run on the mix asked for and one on v27; the artefact's
    name says which runs came from another mix, and a typo is refused, not trained."""
    from classifiers.training.train import run_tag, runs_of

    assert runs_of("v28", (13, "29", "v27:41")) == [("v28", 13), ("v28", 29), ("v27", 41)]
    assert run_tag("v28", runs_of("v28", ("v27:13", 13))) == "v27s13-s13"
    assert run_tag("v23", runs_of("v23", (13, 29, 41, 53))) == "s13-s29-s41-s53"  # as before
    with pytest.raises(ValueError, match="unknown mix 'v99'"):
        runs_of("v28", ("v99:13",))
    with pytest.raises(ValueError, match="MIX:SEED, not 'v27:x'"):
        runs_of("v28", ("v27:x",))


def test_saved_weights_of_a_run_on_another_mix_are_checked_against_that_mix(tmp_path: Any) -> None:
    """A run named ``v27:13`` loads ``v27-s13.pt`` and must have been trained on v27."""
    torch = pytest.importorskip("torch")
    from classifiers.training.train import train

    torch.save({"state_dict": {}, "steps": 10, "examples": 5, "mix": "v27"}, tmp_path / "v27-s13.pt")
    with pytest.raises(ValueError, match="trained on 5 examples of mix v27, not on the"):
        train(out_dir=tmp_path / "out", mix="v28", seeds=("v27:13",), from_weights=tmp_path)
    assert not (tmp_path / "out").exists()


def test_the_train_command_refuses_a_malformed_run_before_training() -> None:
    app, bench = typer.Typer(), typer.Typer()
    app.add_typer(bench, name="bench")
    register(app, bench)
    result = CliRunner().invoke(app, ["train", "--seeds", "13,v99:4", "--out", "/nonexistent/x"])
    assert result.exit_code != 0 and "unknown mix 'v99'" in result.output
    assert not Path("/nonexistent/x").exists()


def test_the_card_names_the_mix_of_each_run_from_another_mix() -> None:
    from classifiers.training.card import _runs

    text = _runs({"seeds": [13, "v27:13"], "steps_per_seed": [1350, 1327]})
    assert "1350 steps with data-order seed 13, 1327 steps with data-order seed 13 on mix `v27`" in text


@pytest.mark.parametrize("mix,base,file,roles", [
    ("v19", "v18", "org_c.jsonl", {"organisation"}),
    ("v20", "v19", "org_d.jsonl", {"organisation", "public"}),
    ("v21", "v20", "org_e.jsonl", {"organisation", "public"}),
    ("v25", "v23", "org_f.jsonl", {"organisation", "public"}),
    ("v27", "v26", "sg_g.jsonl", {"organisation", "public"}),
    ("v28", "v27", "ab_h.jsonl", {"organisation", "public"}),
    ("v30", "v29", "bd_i.jsonl", {"organisation", "public"}),
])
def test_the_later_free_form_mixes_add_only_their_file_three_times(
        mix: str, base: str, file: str, roles: set[str]) -> None:
    """v19 is v18 plus written/org_c.jsonl (the organisation's own account, breaking the
    policy and not); v20 adds written/org_d.jsonl and v21 written/org_e.jsonl (a fourth
    and a fifth writer, public and organisation, half hard negatives); v25 adds
    written/org_f.jsonl to v23 (a sixth writer's voices), v27 written/sg_g.jsonl to v26 (a
    seventh writer's disclosures and their hard negatives), v28 written/ab_h.jsonl to v27
    (an eighth writer's abuse and its hard negatives), v30 written/bd_i.jsonl to v29 (a
    ninth writer's items on the boundaries between categories). Each item comes three times
    with its role; earlier mixes do not read the file."""
    from collections import Counter

    added = free_written_items([file])
    assert len(added) >= 60 and {it["author_role"] for it in added} == roles
    assert any(it["labels"] for it in added) and any(not it["labels"] for it in added)
    old, new = training_examples(mix=base), training_examples(mix=mix)
    before, after = Counter(e.text for e in old), Counter(e.text for e in new)
    evaded = (Counter(e.text for e in new if e.source == "free+evasion")
              - Counter(e.text for e in old if e.source == "free+evasion"))
    assert not before - after  # nothing of the base mix is lost
    assert after - before == Counter({it["text"]: 3 for it in added}) + evaded
    assert evaded  # about half of the added items with spans get an evasion copy


def test_the_safeguarding_weight_raises_only_the_loss_of_missed_disclosures() -> None:
    """``sg_pos_weight`` makes a safeguarding positive cost more; negatives, other heads and
    labels an example does not have are untouched, and 1.0 is plain cross-entropy."""
    import torch

    from classifiers.training.train import sentence_loss

    logits = torch.tensor([[-2.0, 0.5], [1.0, -1.0], [0.3, 0.3]])
    y = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    known = torch.tensor([[1.0, 1.0], [1.0, 1.0], [0.0, 1.0]])  # row 3's head 0 is unknown
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none")
    plain = (bce * known).sum() / known.sum()
    assert torch.isclose(sentence_loss(logits, y, known, 0, 1.0), plain)
    # only row 1, head 0 (a known safeguarding positive) counts three times
    expected = plain + 2 * bce[0, 0] / known.sum()
    assert torch.isclose(sentence_loss(logits, y, known, 0, 3.0), expected)
    assert MIXES["v24"] == MIXES["v23"] | {"sg_pos_weight": 3.0}
