"""A threat against a person is abuse (categories.md) even with no insult in it; idioms that
share its words are not."""

from __future__ import annotations

from typing import Any

import pytest

from classifiers.abuse_cues import threat_spans
from classifiers.normalise import normalise


@pytest.mark.parametrize("text", [
    "I'll be waiting outside the gate at 3 for that teacher, she'll get what's coming",
    "I know where you live.",
    "watch your back at pick up",
    "someone needs to teach her a lesson",
    "ring her all night, she deserves it",
    "I'll sort him out myself at pick up",
    "y0u'll be s0rry, sh3'll g3t what's c0ming",
])
def test_threats_against_a_person_are_evidence(text: str) -> None:
    assert threat_spans(normalise(text))


@pytest.mark.parametrize("text", [
    "I'd kill for a lie in this half term",
    "fight me 😂 the brownies were mine",
    "you're dead funny Sarah",
    "I know where you live... because you're my neighbour, I'll drop the lunchbox round",
    "Anyone able to sort him out a lift on Friday?",
    "You'll love the new holiday club timetable",
    "We'll see what happens with the weather",
])
def test_idioms_sharing_the_words_are_not(text: str) -> None:
    assert threat_spans(normalise(text)) == []


def test_a_veiled_threat_at_staff_is_high_abuse_with_the_threat_as_evidence(classify: Any) -> None:
    text = "I'll be waiting outside the gate at 3 for that teacher, she'll get what's coming"
    rec = classify(text)
    assert "abuse" in rec["labels"] and rec["severity"] in ("high", "critical")
    assert any(s["type"] == "threat" and "get what's coming" in text[s["start"]:s["end"]]
               for s in rec["spans"])
