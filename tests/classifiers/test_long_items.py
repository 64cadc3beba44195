"""Long items are read to the end: a blog post or a long page post that breaks the policy in
its last paragraph is flagged, with evidence where the breach is.

The encoder reads ``MAX_TOKENS`` tokens at a time; what does not fit is read in further
overlapping windows with the same context, and the item's result merges them. Items that
fit are read once, exactly as before, and a huge comment costs at most ``MAX_WINDOWS``.
"""

from __future__ import annotations

from typing import Any

import pytest

from classifiers.encoder import MAX_WINDOWS, EncoderRuntime, shared_runtime

#: A club newsletter post: ordinary, about 110 tokens, so anything after it is past the
#: first window.
NEWSLETTER = (
    "What a week it has been at our breakfast and after-school clubs! The children have been "
    "busy with autumn crafts, making leaf prints, conker pictures and a giant scarecrow for the "
    "garden. On Wednesday we baked apple crumble together and everyone tried a little bit, even "
    "the fussiest eaters. Thank you to all the families who sent in empty boxes for junk "
    "modelling, the rocket display in the hall is amazing. ")


@pytest.mark.parametrize("category,tail", [
    ("safeguarding", "A man in a grey van has been waiting by the park gate after club and "
                     "asking the girls which bus they get home."),
    ("abuse", "Honestly the woman on the desk at your Ashford club is a useless lazy cow and "
              "everyone knows it."),
    ("complaint", "I am reporting you to Ofsted and the local paper for leaving my son outside "
                  "in the rain."),
])
def test_a_breach_after_the_first_window_is_flagged_with_evidence_where_it_is(
        classify: Any, category: str, tail: str) -> None:
    text = NEWSLETTER + tail
    rec = classify(text)
    assert category in rec["labels"]
    evidence = [s for s in rec["spans"] if s["category"] == category]
    assert evidence and all(s["start"] >= len(NEWSLETTER) - 1 for s in evidence)


def test_evidence_in_a_later_window_points_into_the_original_text(classify: Any) -> None:
    """Zero-width characters and look-alike letters before the breach shift every offset of
    the normalised text; the spans still point at the words the reviewer sees."""
    hidden = NEWSLETTER.replace("the ", "t\u200bhe ").replace("club", "сlub")  # Cyrillic с
    tail = "I am reporting you to Ofsted and the local paper for leaving my son outside in the rain."
    rec = classify(hidden + tail)
    threats = [s for s in rec["spans"] if s["type"] == "press_threat"]
    assert threats
    assert any("Ofsted" in (hidden + tail)[s["start"]:s["end"]] for s in threats)


def test_a_long_ordinary_post_stays_quiet(classify: Any) -> None:
    """Reading more windows is more chances to be wrong: four windows of an ordinary
    newsletter still flag nothing."""
    assert classify(NEWSLETTER * 4, author_role="organisation", kind="post")["labels"] == []


def _rows_read(runtime: EncoderRuntime, items: list[tuple[str, str | None, str]]) -> int:
    """How many model rows a run of ``items`` costs."""
    seen = []
    infer = runtime._infer

    def counting(encs: list[Any]) -> Any:
        seen.append(len(encs))
        return infer(encs)

    runtime._infer = counting  # type: ignore[method-assign]
    try:
        runtime.run(items)
    finally:
        del runtime._infer
    return sum(seen)


def test_items_that_fit_are_read_once_and_a_huge_one_at_most_max_windows_times() -> None:
    runtime = shared_runtime()
    short = [("Lovely photos, thank you!", None, "public"),
             ("What time is pick up on Friday?", "Half term dates", "public")]
    assert _rows_read(runtime, short) == 2
    assert _rows_read(runtime, [(NEWSLETTER * 3, None, "organisation")]) > 1
    huge = "blah " * 200_000 + "dm me on snap and dont tell ur mum"
    assert _rows_read(runtime, [(huge, None, "public")]) <= MAX_WINDOWS


def test_an_item_scores_the_same_alone_and_beside_a_long_one() -> None:
    """Windows are rows of their own: a long item in the batch changes nothing for another
    (beyond float rounding of a wider padded batch, as between any two batch shapes)."""
    runtime = shared_runtime()
    item = ("Can someone ring me about the invoice please", "Autumn term invoices", "public")
    alone = runtime.run([item])[0]
    beside = runtime.run([(NEWSLETTER * 3, None, "organisation"), item])[1]
    assert beside.probs == pytest.approx(alone.probs, abs=1e-6)
    assert [(s.type, s.start, s.end) for s in beside.spans] == \
        [(s.type, s.start, s.end) for s in alone.spans]
