"""Formulaic safeguarding wordings are always evidence; ordinary parent talk is not."""

from __future__ import annotations

import pytest

from classifiers.normalise import Normalised, normalise
from classifiers.safeguarding_cues import cue_spans


@pytest.mark.parametrize("text,kind", [
    ("my stepdad hits me when mum is at work", "disclosure"),
    ("i feel like k!lling myself sometimes", "disclosure"),
    ("im scared to go home tonight", "disclosure"),
    ("hey sweetie dm me and dont tell ur mum", "contact_request"),
    ("the girl at 2:30 is so cute, whats her snap?", "contact_request"),
    ("any of u kids want free robux? add me", "contact_request"),
    # wordings from safeguarding guidance beyond "a parent hits me"
    ("my grandad slaps me when nobody is looking", "disclosure"),
    ("the coach touched me down there", "disclosure"),
    ("he makes me touch him and says its a game", "disclosure"),
    ("mums boyfriend comes into my bed at night", "disclosure"),
    ("dad keeps hitting me", "disclosure"),
    ("my dad beats my mum", "disclosure"),
    ("i just wanna die tbh", "disclosure"),
    ("iv been self harming again", "disclosure"),
    ("nobody feeds us at the weekend", "disclosure"),
    ("they left us on our own all night again", "disclosure"),
    ("he told me not to tell anyone", "disclosure"),
    ("one of your staff grabbed my son by the arm", "disclosure"),
    ("hey cutie i'll buy you a new phone", "contact_request"),
    ("u girls want easy money?", "contact_request"),
])
def test_formulaic_disclosures_and_approaches_are_cues(text: str, kind: str) -> None:
    """These wordings are evidence of safeguarding even if the model hesitates."""
    assert kind in {t for _, _, t in cue_spans(normalise(text), None)}


@pytest.mark.parametrize("text", [
    "Sarah I'll grab yours at 5 if you're stuck, just text me x",
    "Selling a bike, message me if interested",
    "The kids loved the show, well done all",
    "lets meet up at 3:30 at the gates",
    "I'll get you a coffee at 8:30",
])
def test_contact_between_adults_is_not_a_cue(text: str) -> None:
    """'text me' between parents is ordinary; a cue needs a child as the audience."""
    assert cue_spans(normalise(text), None) == []


@pytest.mark.parametrize("text", [
    "this rain makes me want to die of boredom",
    "i want to die laughing at this",
    "she hit me up on insta about the party",
    "the ball hit me in the face lol",
    "Our staff attended training on self-harm awareness this week",
    "If a child ever feels suicidal, call Childline on 0800 1111",
    "the staff hurt my feelings a bit tbh",
])
def test_hyperbole_and_signposting_are_not_cues(text: str) -> None:
    """Hyperbole, slang and a setting's own training or signposting posts are not disclosures."""
    assert cue_spans(normalise(text), None) == []


def test_cues_ignore_case_and_point_at_the_original_words() -> None:
    """Shouting counts; and if a letter whose lower case is longer ("İ" → "i̇") ever got
    past normalisation, spans would still point at the right words."""
    spans = cue_spans(normalise("MY DAD HITS ME"), None)
    assert [(s, e) for s, e, _ in spans] == [(3, 14)]
    text = "İzmir was fun but my dad hits me"
    unfolded = Normalised(text, text, tuple(range(len(text))), tuple(range(1, len(text) + 1)))
    assert [text[s:e] for s, e, _ in cue_spans(unfolded, None)] == ["dad hits me"]
