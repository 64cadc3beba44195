"""What the encoder is shown for one item: text, the context it replies to, and its author."""

from __future__ import annotations

from classifiers.base import ClassifierInput
from classifiers.encoder import ORG_MARK, encoder_input, item_input, model_items
from classifiers.normalise import normalise
from monitor.types import AuthorRole


def test_a_public_comment_is_its_text_or_its_text_with_the_context() -> None:
    assert encoder_input(normalise("Lovely photos"), None) == "Lovely photos"
    assert encoder_input(normalise("dm me"), "Our holiday club today") == (
        "dm me", "Our holiday club today")


def test_the_organisations_items_are_marked_before_the_context() -> None:
    norm = normalise("Please contact the Setting Manager directly")
    assert encoder_input(norm, None, "organisation") == (norm.text, ORG_MARK)
    assert encoder_input(norm, "Why was nobody told?", "organisation") == (
        norm.text, f"{ORG_MARK} Why was nobody told?")


def test_an_artefact_trained_without_roles_is_shown_no_mark() -> None:
    norm = normalise("Spaces left on Tuesday")
    assert encoder_input(norm, None, "organisation", role_input=False) == norm.text


def test_the_role_reaches_the_model_from_classifier_inputs_and_labelled_items() -> None:
    items = [ClassifierInput("a", "Hi", author_role=AuthorRole.ORGANISATION),
             ClassifierInput("b", "Hello", context="Post")]
    assert model_items(items) == [("Hi", None, "organisation"), ("Hello", "Post", "public")]
    assert item_input({"text": "x", "context": None, "author_role": "organisation"}) == (
        "x", None, "organisation")
    assert item_input({"text": "x"}) == ("x", None, "public")
