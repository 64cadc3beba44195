"""Severity per categories.md, from detections alone (no model needed)."""

from __future__ import annotations

from classifiers.base import ClassifierInput, Detection, Span
from classifiers.severity import item_severity
from monitor.types import AuthorRole, Category, Severity


def _item(text: str, role: AuthorRole = AuthorRole.PUBLIC) -> ClassifierInput:
    return ClassifierInput(id="t", text=text, author_role=role)


def test_nothing_found_has_no_severity() -> None:
    """An item with no detections is not an alert at all."""
    assert item_severity([], _item("hello")) is None


def test_safeguarding_is_always_critical() -> None:
    """The DSL is told at once."""
    d = Detection(Category.SAFEGUARDING, 0.9, spans=(Span(0, 5, "disclosure"),))
    assert item_severity([d], _item("hits me")) == Severity.CRITICAL


def test_abuse_is_medium_but_threats_slurs_and_child_targets_are_high() -> None:
    """Other targeted abuse is medium; a threat, a slur or a child as target is high."""
    text = "you are an idiot"
    insult = Detection(Category.ABUSE, 0.9, spans=(Span(11, 16, "insult"),))
    assert item_severity([insult], _item(text)) == Severity.MEDIUM
    threat = Detection(Category.ABUSE, 0.9, spans=(Span(0, 5, "threat"),))
    assert item_severity([threat], _item("watch your back")) == Severity.HIGH
    kid = "that kid is ugly"
    at_child = Detection(Category.ABUSE, 0.9, spans=(Span(0, len(kid), "insult"),))
    assert item_severity([at_child], _item(kid)) == Severity.HIGH


def test_complaint_is_high_with_a_press_threat_or_an_incident_with_a_child() -> None:
    """Going public, or a child hurt or missing, raises a complaint to high."""
    plain = Detection(Category.COMPLAINT, 0.9, spans=(Span(0, 4, "complaint"),))
    assert item_severity([plain], _item("invoice wrong again")) == Severity.MEDIUM
    press = Detection(Category.COMPLAINT, 0.9, spans=(Span(0, 4, "press_threat"),))
    assert item_severity([press], _item("going to the papers")) == Severity.HIGH
    assert item_severity([plain], _item("my son came home with a bump on his head")) == Severity.HIGH


def test_child_identification_in_an_organisation_post_is_high() -> None:
    """Any identifying detail in the organisation's own post is high."""
    d = Detection(Category.CHILD_IDENTIFICATION, 0.9, spans=(Span(0, 5, "child_name"),),
                  severity=Severity.MEDIUM)
    assert item_severity([d], _item("Amelia", AuthorRole.PUBLIC)) == Severity.MEDIUM
    assert item_severity([d], _item("Amelia", AuthorRole.ORGANISATION)) == Severity.HIGH


def test_item_severity_is_the_highest_over_detections() -> None:
    """Several categories: the most serious one decides."""
    a = Detection(Category.PERSONAL_DATA, 0.9, spans=(Span(0, 3, "phone"),))
    b = Detection(Category.SAFEGUARDING, 0.9, spans=(Span(0, 3, "contact_request"),))
    assert item_severity([a, b], _item("dm me")) == Severity.CRITICAL


def test_item_severity_accepts_a_labelled_item_dict() -> None:
    """The pipeline and the CLI may pass the item as a dict in the categories.md shape."""
    d = Detection(Category.CHILD_IDENTIFICATION, 0.9, spans=(Span(0, 5, "child_name"),))
    assert item_severity([d], {"text": "Amelia", "author_role": "organisation"}) == Severity.HIGH
