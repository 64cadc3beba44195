"""Formulaic safeguarding wordings are always evidence; ordinary parent talk is not."""

from __future__ import annotations

import pytest

from classifiers.normalise import normalise
from classifiers.safeguarding_cues import cue_spans


@pytest.mark.parametrize("text,kind", [
    ("my stepdad hits me when mum is at work", "disclosure"),
    ("i feel like k!lling myself sometimes", "disclosure"),
    ("im scared to go home tonight", "disclosure"),
    ("hey sweetie dm me and dont tell ur mum", "contact_request"),
    ("the girl at 2:30 is so cute, whats her snap?", "contact_request"),
    ("any of u kids want free robux? add me", "contact_request"),
])
def test_formulaic_disclosures_and_approaches_are_cues(text: str, kind: str) -> None:
    """These wordings are evidence of safeguarding even if the model hesitates."""
    assert kind in {t for _, _, t in cue_spans(normalise(text), None)}


@pytest.mark.parametrize("text", [
    "Sarah I'll grab yours at 5 if you're stuck, just text me x",
    "Selling a bike, message me if interested",
    "The kids loved the show, well done all",
])
def test_contact_between_adults_is_not_a_cue(text: str) -> None:
    """'text me' between parents is ordinary; a cue needs a child as the audience."""
    assert cue_spans(normalise(text), None) == []
