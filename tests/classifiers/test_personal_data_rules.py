"""Personal data rules: exact contact details are always found, published ones are not."""

from __future__ import annotations

import pytest

from classifiers import rules
from classifiers.normalise import normalise


def _phones(text: str) -> list[str]:
    n = normalise(text)
    return [text[s:e] for s, e, _ in rules.find_phones(n)]


def _emails(text: str) -> list[str]:
    n = normalise(text)
    return [text[s:e] for s, e, _ in rules.find_emails(n)]


@pytest.mark.parametrize("text,number", [
    ("text me 07700 900318 after 6", "07700 900318"),
    ("ring 07700900721", "07700900721"),
    ("call +44 7700 900604", "+44 7700 900604"),
    ("landline 0161 496 0193", "0161 496 0193"),
    ("text me 07700 9OO562 😊", "07700 9OO562"),
    ("text me on o7700 9oo 214 and", "o7700 9oo 214"),
    ("Message me on 07700 900 6\u200b4\u200b8", "07700 900 6\u200b4\u200b8"),
    ("it's 0 7 7 0 0 9 0 0 1 5 9 now", "0 7 7 0 0 9 0 0 1 5 9"),
    ("my numbr is zero seven seven zero zero nine zero zero five five one",
     "zero seven seven zero zero nine zero zero five five one"),
])
def test_uk_phone_numbers_are_found_however_written(text: str, number: str) -> None:
    """Every way of writing a UK number in the domain set is found, with its exact span."""
    assert number in _phones(text)


@pytest.mark.parametrize("text", ["£14.50 a session from 7.30", "Year 3 and Year 4, 20 kids",
                                  "born 12/03/2016", "ref 2024-11-26"])
def test_prices_times_and_dates_are_not_phone_numbers(text: str) -> None:
    """Numbers that are not phone numbers stay quiet."""
    assert _phones(text) == []


@pytest.mark.parametrize("text,email", [
    ("email kerry.walsh84@example.com please", "kerry.walsh84@example.com"),
    ("email amy.chen [at] example [dot] com", "amy.chen [at] example [dot] com"),
    ("ryan dot marsh at example dot com", "ryan dot marsh at example dot com"),
    ("r0xy.b3ll [at] example.net", "r0xy.b3ll [at] example.net"),
])
def test_emails_are_found_including_spelled_out_ones(text: str, email: str) -> None:
    """Obfuscated addresses ([at], dot) count as e-mail addresses."""
    assert email in _emails(text)


def test_meeting_at_a_place_is_not_an_email() -> None:
    """'at' between words is only an e-mail with a domain ending."""
    assert _emails("meet me at the park at 5") == []


def test_street_addresses_and_postcodes_are_found() -> None:
    """A house number and street, 'lives on <street>', and a postcode are addresses."""
    n = normalise("drop it at 14 Larkspur Close, HX4 9QT. She lives on Sorrel Way")
    found = [n.original[s:e] for s, e in rules.find_addresses(n)]
    assert "14 Larkspur Close" in found[0]
    assert any("Sorrel Way" in f for f in found)
    assert [n.original[s:e] for s, e in rules.find_postcodes(n)] == ["HX4 9QT"]


def test_year_groups_and_ages_are_found() -> None:
    """Year 3, Y6, 4C, Reception and 'aged 7' are age evidence."""
    n = normalise("Y6 and 4C kids aged 7, Reception and Year 3")
    found = {n.original[s:e] for s, e in rules.find_ages(n)}
    assert {"Y6", "4C", "aged 7", "Reception", "Year 3"} <= found


@pytest.mark.parametrize("text,anothers", [
    ("Thanks Dean, we'll ring you back on 0113 496 0872 before lunch", True),
    ("Spoke to her this morning, her landline is 0121 496 0457", True),
    ("Mr Okoro's work number: 0161 496 0321", True),
    ("Any questions, call us on 0113 496 0000", False),
    ("Please ring the office on 0121 496 0123 between 9 and 3", False),
    ("Kidspace's number is 0113 496 0000", False),
    ("Bookings: 0113 496 0000", False),
])
def test_the_words_before_a_number_say_whose_it_is(text: str, anothers: bool) -> None:
    """An organisation gives its own office line on purpose; a landline its words give to
    somebody else ("we'll ring you back on …") is that person's number."""
    [(start, _, _)] = list(rules.find_phones(normalise(text)))
    assert rules.number_is_anothers(text, start, ("Kidspace",)) is anothers
