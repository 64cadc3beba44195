"""The normaliser: evasions fold to plain text and every character maps back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers.normalise import normalise

_ALPHABET = st.sampled_from(list("abcdefgh stupid.-_*1340@$!|ÉéаеорсхіΑΟ\u200b\u200e\u202e👻🅱️🐷😊ﬁß\n"))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60) | st.text(max_size=60))
def test_every_normalised_char_maps_to_a_valid_original_range(text: str) -> None:
    """Evidence found in the normalised text must always point inside the original text."""
    n = normalise(text)
    assert len(n.starts) == len(n.ends) == len(n.text)
    for s, e in zip(n.starts, n.ends):
        assert 0 <= s < e <= len(text)
    assert list(n.starts) == sorted(n.starts)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.integers(0, 70), st.integers(0, 70))
def test_any_span_maps_to_an_ordered_original_span(text: str, a: int, b: int) -> None:
    """to_original never returns an inverted or out-of-range span."""
    n = normalise(text)
    s, e = n.to_original(min(a, b), max(a, b))
    assert 0 <= s <= e <= len(text)


def test_plain_text_is_unchanged() -> None:
    """Ordinary comments pass through untouched, so rules see what people wrote."""
    text = "Doors open at 7.30 for Year 3, £14.50 a session. Call 0113 496 0000?"
    assert normalise(text).text == text


def test_leetspeak_is_folded_inside_words() -> None:
    """b1tch, sn@p and k!lling read as the words they hide."""
    assert normalise("a s1lly old b1tch").text == "a silly old bitch"
    assert normalise("sn@p me").text == "snap me"
    assert normalise("i feel like k!lling myself").text == "i feel like killing myself"


def test_class_names_times_and_numbers_are_not_leetspeak() -> None:
    """4C, Y3, 10am and phone numbers keep their digits."""
    text = "4C and Y3 at 10am, ring 07700 900123"
    assert normalise(text).text == text


def test_spaced_and_dotted_letters_are_joined() -> None:
    """s t u p i d, p.r.e.s.s and b-e-n-d-e-r become words; word gaps survive."""
    assert normalise("you are s t u p i d").text == "you are stupid"
    assert normalise("going to the p.r.e.s.s").text == "going to the press"
    assert normalise("a b-e-n-d-e-r").text == "a bender"
    assert normalise("f a t  f r e a k").text.split() == ["fat", "freak"]


def test_lookalike_letters_fold_to_latin() -> None:
    """Cyrillic and Greek look-alikes read as Latin letters."""
    assert normalise("stuрid cоw").text == "stupid cow"
    assert normalise("Тоmmy").text == "Tommy"
    assert normalise("ΑΒΟ").text == "ABO"


def test_zero_width_and_bidi_controls_are_removed() -> None:
    """n\u200bonce and u\u200bg\u200bl\u200by are the plain words."""
    assert normalise("a n\u200bonce").text == "a nonce"
    assert normalise("so u\u200bg\u200bl\u200by").text == "so ugly"
    assert normalise("ab\u202ecd\u200e").text == "abcd"


def test_repeated_letters_are_squeezed() -> None:
    """stuuuupid is stupid."""
    assert normalise("stuuuupid").text == "stupid"


def test_emoji_standing_for_words_are_mapped() -> None:
    """👻 is Snapchat, 🅱️ is the letter b, 🐷 is pig."""
    assert "snapchat" in normalise("message me on 👻").text
    assert normalise("a 🅱️itch").text == "a bitch"
    assert "pig" in normalise("the manager is a 🐷").text


def test_span_in_normalised_text_points_at_the_evasion_in_the_original() -> None:
    """A reviewer sees the original characters that hid the word."""
    text = "you are a s.t.u.p.i.d c\u200bow"
    n = normalise(text)
    k = n.text.index("stupid")
    s, e = n.to_original(k, k + len("stupid"))
    assert text[s:e] == "s.t.u.p.i.d"
    k = n.text.index("cow")
    s, e = n.to_original(k, k + 3)
    assert text[s:e] == "c\u200bow"
