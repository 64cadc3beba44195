"""A threat to take a matter to the press, Ofsted, a solicitor or social media is a complaint
(categories.md), however the model scores it; ordinary mentions of the same outlets are not."""

from __future__ import annotations

from typing import Any

import pytest

from classifiers.complaint_cues import press_threat_spans
from classifiers.normalise import normalise


@pytest.mark.parametrize("text", [
    "The manager shouted at my 6 year old until she cried. I'm going to the papers.",
    "Reporting you to Ofsted first thing tomorrow",
    "I've emailed my MP about this",
    "I'll be posting this on every local Facebook group",
    "taking this to a solicitor, you'll be hearing from us",
    "see you in court",
    "I'M GOING TO THE ECHO WITH THIS",
    "Next stop Trading Standards",
    "I'll be telling every parents group in town what you did",
    "My solicitor will be in touch",
    "im goin 2 the papers",
    "I've spoken to a journalist at the Brackley Gazette",
    "I'm a reporter at the Westmoor Herald, could someone comment on the incident?",
])
def test_threats_to_go_public_are_press_threats(text: str) -> None:
    assert press_threat_spans(normalise(text), public=True)


@pytest.mark.parametrize("text", [
    "My eldest went to an Ofsted outstanding nursery before this",
    "I posted on the Facebook group asking for a lift on Friday",
    "Our solicitor for the divorce says the court order still stands",
    "going to court next week about contact, can nan collect?",
    "Lovely photos posted on facebook today",
    "Just posted the news about the closure on the WhatsApp",
    "If you have a concern you can contact Ofsted on their website",
    "Ofsted rated us Good!",
    "I'm going to echo what Sarah said, brilliant club",
    "Booked both in, please put them in the same group",
    "he's going to the Daily Mile run at school",
    "Sorry to post this on a business page",
])
def test_the_same_outlets_in_ordinary_talk_are_not(text: str) -> None:
    assert press_threat_spans(normalise(text), public=True) == []


def test_the_organisations_own_words_are_left_to_the_model() -> None:
    """The club naming Ofsted or its procedure is signposting (categories.md)."""
    assert press_threat_spans(normalise("Any concerns can go straight to Ofsted"), public=False) == []


def test_spans_point_at_the_threat_through_evasion() -> None:
    text = "Disgraceful.\u200b I'm g\u200boing to the p@pers"
    [(start, end)] = press_threat_spans(normalise(text), public=True)
    assert "p@pers" in text[start:end]


def test_a_press_threat_is_a_high_complaint_even_when_the_head_hesitates(classify: Any) -> None:
    """"I'm going to the papers" alone scores low on the complaint head; the threat is
    evidence enough, and it makes the complaint high severity."""
    text = "I'm going to the papers about this club."
    rec = classify(text)
    assert "complaint" in rec["labels"] and rec["severity"] in ("high", "critical")
    assert any(s["type"] == "press_threat" and "papers" in text[s["start"]:s["end"]]
               for s in rec["spans"])
