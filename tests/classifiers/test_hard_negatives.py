"""Hard negatives from categories.md stay quiet; clear cases are flagged with evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.mark.parametrize("text", [
    "Thank you Miss Sarah, my daughter loves coming to club",
    "My son had the best time at holiday club 😊",
    "Bloody weather, glad the kids could play inside",
    "How much is breakfast club for Year 3?",
    "I'd kill for a lie in this half term 😂",
    "Marcus Rashford visiting would be amazing",
])
def test_hard_negatives_are_not_flagged(classify: Any, text: str) -> None:
    """Praise of staff, 'my son', profanity at the weather and idioms are not categories."""
    assert classify(text)["labels"] == []


def test_helplines_in_an_organisation_reply_are_not_personal_data(classify: Any) -> None:
    """The organisation quoting Childline or its office line is not personal data."""
    rec = classify("Please call Childline on 0800 1111 or our office on 0113 496 0000",
                   author_role="organisation", kind="reply")
    assert "personal_data" not in rec["labels"]


def test_an_organisation_reply_giving_a_parents_landline_is_personal_data(classify: Any) -> None:
    """The domain README: an organisation reply that publishes a parent's number is personal
    data, a landline as much as a mobile; its own office line (above) is not."""
    text = "Hi Gemma, sorry for the wait, we'll call you back on 0121 496 0388 this afternoon"
    rec = classify(text, author_role="organisation", kind="reply")
    assert "personal_data" in rec["labels"]
    assert any(text[s["start"]:s["end"]] == "0121 496 0388" for s in rec["spans"])


def test_a_parents_mobile_number_is_personal_data_with_a_phone_span(classify: Any) -> None:
    """A phone number in a public comment is flagged, and the span is the number."""
    text = "anyone got spare size 12 shoes? text me on 07700 900 123"
    rec = classify(text)
    assert "personal_data" in rec["labels"]
    phone = [s for s in rec["spans"] if s["type"] == "phone"]
    assert phone and text[phone[0]["start"]:phone[0]["end"]] == "07700 900 123"


def test_a_grooming_approach_is_safeguarding_and_critical(classify: Any) -> None:
    """A stranger asking children to message privately is safeguarding, critical."""
    rec = classify("so cute 😍 any of u girls want to be a model? dm me on snap and dont tell ur mum",
                   context="Look at our dancers at holiday club today!")
    assert "safeguarding" in rec["labels"]
    assert rec["severity"] == "critical"


def test_a_leetspeak_insult_at_staff_is_abuse(classify: Any) -> None:
    """Evasion does not hide an insult aimed at a member of staff."""
    rec = classify("that m@nager at the Fernside club is a s1lly old b1tch")
    assert "abuse" in rec["labels"]


def test_a_press_threat_makes_a_complaint_high(classify: Any) -> None:
    """A complaint with a threat to go to the press is high severity."""
    rec = classify("You lost my son for 20 minutes and nobody rang me. I'm going to the papers "
                   "and Ofsted about this")
    assert "complaint" in rec["labels"]
    assert rec["severity"] in ("high", "critical")


#: Everyday posts and comments of a childcare page, written for this check (not from the
#: domain set and not used in training): booking, prices, menus, closures, thanks.
EVERYDAY = Path(__file__).with_name("everyday_posts.txt")
CEILING_EVERYDAY_FLAGS = 1  # measured 1 (mix v23); 0 with v8, 2 with the v7 soup, 4 with a first v7 soup


def test_everyday_page_traffic_stays_almost_silent(classify: Any) -> None:
    """Fifty ordinary items: at most one flag. A model that learned 'spaces left on
    Tuesday' as a complaint would bury a Setting Manager in alerts on a real page."""
    flagged = []
    for line in EVERYDAY.read_text().splitlines():
        role, text = line.split("|", 1)
        rec = classify(text, author_role="organisation" if role == "org" else "public",
                       kind="post" if role == "org" else "comment")
        if rec["labels"]:
            flagged.append((rec["labels"], text))
    assert len(flagged) <= CEILING_EVERYDAY_FLAGS, flagged


#: The organisation's own posts, written for this check (not from the domain set, never
#: trained on): six that break the policy on the club's page, six that do not.
ORGANISATION_POSTS = Path(__file__).with_name("organisation_posts.txt")
FLOOR_ORGANISATION_BREACHES = 4  # of 6; measured 4 (mix v23 and v8), 5 with v7 and with v9


def test_the_organisations_own_role_is_no_blanket_excuse(classify: Any) -> None:
    """The model knows who wrote an item, and the club's page is rarely flagged; but a
    staff member narrating an accident, insulting a parent or announcing a dismissal on
    the official account is what the policy forbids, and must still be flagged."""
    found, noisy = [], []
    for line in ORGANISATION_POSTS.read_text().splitlines():
        want, text = line.split("|", 1)
        labels = classify(text, author_role="organisation", kind="post")["labels"]
        if want == "-" and labels:
            noisy.append((labels, text))
        elif want != "-" and want in labels:
            found.append(text)
    assert len(found) >= FLOOR_ORGANISATION_BREACHES, found
    assert len(noisy) <= 1, noisy
