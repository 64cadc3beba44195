"""Child identification: roster names with nicknames and misspellings, never staff."""

from __future__ import annotations

from typing import Any

import pytest

from classifiers import rules
from classifiers.base import ClassifierInput
from classifiers.child_identification import ChildIdentificationClassifier
from classifiers.context import RosterChild, SettingContext
from classifiers.normalise import normalise
from monitor.types import AuthorRole, Category, ItemKind, Severity


@pytest.fixture(scope="module")
def clf(setting: SettingContext) -> ChildIdentificationClassifier:
    return ChildIdentificationClassifier(setting)


def _names(clf: ChildIdentificationClassifier, text: str, **kw: Any) -> list[str]:
    dets = clf.classify(ClassifierInput(id="t", text=text, **kw))
    return [text[s.start:s.end] for d in dets for s in d.spans if s.type in ("child_name", "surname")]


@pytest.mark.parametrize("text,name", [
    ("Tommy did so well today", "Tommy"),
    ("look at Tom on the slide", "Tom"),
    ("Тоmmy from 4C in the middle!!", "Тоmmy"),
    ("T.o.m.m.y is my nephew", "T.o.m.m.y"),
    ("my baby girl Zuzana in the pink tutu", "Zuzana"),
    ("the Kowalski kids are always late", "Kowalski"),
])
def test_roster_children_are_found_by_name_nickname_and_misspelling(
        clf: ChildIdentificationClassifier, text: str, name: str) -> None:
    """A roster child is found however the name is written, with the original span."""
    assert name in _names(clf, text)


def test_a_roster_name_after_a_staff_title_is_staff(clf: ChildIdentificationClassifier) -> None:
    """'Thank you Miss Grace' praises staff; it does not name a child."""
    assert "Grace" not in _names(clf, "Thank you Miss Grace for everything")


def test_a_name_that_is_also_a_word_needs_a_capital(clf: ChildIdentificationClassifier) -> None:
    """'grace' in lower case is a word, not the roster child Grace."""
    assert "grace" not in _names(clf, "she handled it with such grace")


def test_organisation_post_naming_a_child_is_high(clf: ChildIdentificationClassifier) -> None:
    """Any detail in the organisation's own post is high severity."""
    dets = clf.classify(ClassifierInput(id="t", text="Well done Tommy for the Lego prize!",
                                        author_role=AuthorRole.ORGANISATION))
    assert dets and dets[0].category == Category.CHILD_IDENTIFICATION
    assert dets[0].severity == Severity.HIGH


def test_name_plus_detail_is_high_and_name_alone_is_medium(clf: ChildIdentificationClassifier) -> None:
    """A first name alone in a public comment is medium; a name with a school is high."""
    alone = clf.classify(ClassifierInput(id="a", text="Go Tommy!! 💕"))
    detail = clf.classify(ClassifierInput(id="b", text="Tommy in Year 3 at Oakfield Primary"))
    assert alone and alone[0].severity == Severity.MEDIUM
    assert detail and detail[0].severity == Severity.HIGH
    types = {s.type for s in detail[0].spans}
    assert {"age", "school"} <= types


def test_a_reply_naming_the_commenter_addresses_an_adult(clf: ChildIdentificationClassifier) -> None:
    """'We do, Tom' answering Tom Baker's question names the parent who asked, not a child;
    without knowing who asked, the same name (a roster child's here) is read as a child's."""
    reply: dict[str, Any] = {"text": "We do, Tom: both are accepted.",
                             "context": "Do you take childcare vouchers?",
                             "author_role": AuthorRole.ORGANISATION, "kind": ItemKind.REPLY}
    assert "Tom" in _names(clf, **reply)
    assert clf.classify(ClassifierInput(id="t", context_author="Tom Baker", **reply)) == []


def test_a_reply_to_a_parent_still_flags_her_child(clf: ChildIdentificationClassifier) -> None:
    """Only the addressee's own name is set aside: the roster child she writes about is not."""
    names = _names(clf, "Aisha, Tommy was brilliant in the show today!",
                   context="How did he do?", context_author="Aisha Rahman",
                   author_role=AuthorRole.ORGANISATION, kind=ItemKind.REPLY)
    assert "Tommy" in names and "Aisha" not in names


@pytest.mark.parametrize("text", [
    "I've got loads of age 5-6 stuff to give away, email tommy.kowalski [at] example [dot] com",
    "Follow @TommyK_Photos for the pictures from Saturday",
    "Our guinea pigs Tommy and Rolo have settled in! The children chose the names 🐹",
    "Just Oakfield! The other clubs are running as normal.",
    "Story time today was 'Tommy and the Dragon Who Sneezed' 📚",
])
def test_names_that_are_not_children_are_not_read_as_children(
        clf: ChildIdentificationClassifier, text: str) -> None:
    """An e-mail address, a handle, a pet's name and the club's own site name are not
    children, even when the word is a roster child's name (categories.md hard negatives)."""
    assert _names(clf, text) == []
    assert clf.classify(ClassifierInput(id="t", text=text, author_role=AuthorRole.ORGANISATION,
                                        location="oak")) == []


def test_a_child_named_beside_the_clubs_own_name_is_still_found(
        clf: ChildIdentificationClassifier) -> None:
    """The site name is set aside, the child next to it is not: 'Tommy from Oakfield'."""
    assert "Tommy" in _names(clf, "Tommy from Oakfield was brilliant today")
    assert "Tommy" in _names(clf, "Tommy in Year 3 at Oakfield Primary")
    assert "Tom" in _names(clf, "My son said 'Tom pushed me' when I picked him up")
    assert "Tommy" in _names(clf, "Found a lunchbox with 'Tommy K' written on it")


@pytest.mark.parametrize("text,role,child", [
    ("Certificate of the week goes to Jayden Okonkwo for amazing kindness 🏅", "organisation", True),
    ("Star of the week: Musa, for helping a friend who was upset ⭐", "organisation", True),
    ("Congratulations to Jayden Okonkwo on passing her Level 3 diploma!", "organisation", False),
    ("Well done Sarah on 10 years with the team 💐", "organisation", False),
    ("Certificate of the week goes to Jayden Okonkwo for amazing kindness 🏅", "public", False),
    ("my little girl Ruby loved it", "public", True),
])
def test_the_settings_own_praise_for_an_achievement_says_child_unless_it_is_staff(
        text: str, role: str, child: bool) -> None:
    """On the setting's page, praise for an achievement names a child, unless the post
    gives a staff role, years of service or a qualification."""
    from classifiers.child_identification import says_child

    assert says_child(text, AuthorRole(role)) is child


def test_a_family_named_by_its_surname_is_found_and_a_sites_children_are_not(
        clf: ChildIdentificationClassifier) -> None:
    """'the Nowicki kids' names a family of children; 'the Brookside kids' are a club's."""
    assert "Nowicki" in _names(clf, "It'll be from the Nowicki kids, they're always filthy")
    assert "Brookside" not in _names(clf, "The Brookside kids had a great time at the farm")


@pytest.mark.parametrize("text", [
    "Reminder: our Ofsted report is on the website.",
    "Our Friday film night is back next week 🎬",
    "Photos from our Diwali celebration are in the app 🪔",
])
def test_calendar_words_and_bodies_after_our_are_not_children(
        clf: ChildIdentificationClassifier, text: str) -> None:
    """'our Ofsted report' and 'our Friday film night' name no child; 'our Isla' does."""
    assert _names(clf, text, author_role=AuthorRole.ORGANISATION) == []
    assert "Isla" in _names(clf, "Our Isla loved the film night 🎬")


def test_staff_introduced_by_a_post_or_its_parent_are_not_children(
        clf: ChildIdentificationClassifier) -> None:
    """'Meet the team: Hannah has been a playworker for 6 years' names staff, and so does
    'Hannah is the best!' under it; a child named beside staff is still found."""
    intro = "Meet the team: Hannah has been a playworker at Oakfield for 6 years 💛"
    assert clf.classify(ClassifierInput(id="t", text=intro,
                                        author_role=AuthorRole.ORGANISATION)) == []
    assert _names(clf, "Hannah is the best!", context=intro) == []
    assert _names(clf, "Our cook Denise made pizzas with Tommy today",
                  author_role=AuthorRole.ORGANISATION) == ["Tommy"]


@pytest.mark.parametrize("text", [
    "Happy Lohri and Vaisakhi from all the staff 🔥",
    "Staff night out klaxon 🚨 Happy birthday to our chef, who turns 40 today and says she's 21",
])
def test_festivals_plain_words_and_adult_ages_name_no_child(
        clf: ChildIdentificationClassifier, text: str) -> None:
    """The tagger may read a festival or a lower-case word in a capitalised post as a name,
    or an adult's age as a child's; none of them identifies a child."""
    assert clf.classify(ClassifierInput(id="t", text=text,
                                        author_role=AuthorRole.ORGANISATION)) == []
    assert "Priya" in _names(clf, "Happy birthday to Priya, 7 today!",
                             author_role=AuthorRole.ORGANISATION)


def test_a_lower_case_name_counts_when_the_whole_comment_is_lower_case() -> None:
    """Many commenters write everything in lower case ("is that harvey"): there a lower-case
    word may be a name; in a capitalised post it is not offered as one."""
    from classifiers.child_identification import _plain_word_spans

    lower = "omg is that harvey from the club"
    assert [lower[s.start:s.end] for s in _plain_word_spans(lower)] == ["club"]
    assert [s.start for s in _plain_word_spans("Staff birthday klaxon")] == [0, 6, 15]


@pytest.mark.parametrize("text,school", [
    ("Year 3 at Oakfield Primary today", "Oakfield Primary"),
    ("She Goes To Parkview Primary", "Parkview Primary"),
    ("St Mary's C of E Primary School, Y2", "St Mary's C of E Primary School"),
    ("collected from Holy Trinity RC Primary at 3", "Holy Trinity RC Primary"),
    ("my lad goes to meadowbank academy", "meadowbank academy"),
    ("year 2 at riverside infants", "riverside infants"),
    ("Year 4 at St Aelred's", "St Aelred's"),
    ("he's at Kingsmead School now", "Kingsmead School"),
    ("Y3 at О\u200bakfield Primary", "О\u200bakfield Primary"),
])
def test_a_school_is_recognised_by_how_schools_are_named(text: str, school: str) -> None:
    """No list of schools is needed for the usual forms: a name, an optional faith word,
    the kind of school; evasion is read through, and the span is in the original text."""
    assert school in [text[s:e] for s, e in rules.find_schools(normalise(text))]


@pytest.mark.parametrize("text", [
    "Forest School on Friday!", "The Primary School is shut today", "at the local primary",
    "Sunday School at ten", "a Catholic primary nearby", "Secondary School applications close",
    "High School Musical tonight", "first things first", "St Ives for the weekend",
])
def test_kinds_of_school_and_schooling_name_no_school(text: str) -> None:
    assert list(rules.find_schools(normalise(text))) == []


def test_a_named_school_is_a_detail_of_a_flagged_child_never_a_trigger() -> None:
    """The setting announces which schools it collects from: a school alone flags
    nothing. Beside a child it is one more detail, shown to the reviewer and raising the
    severity, even where configuration does not list that school."""
    clf = ChildIdentificationClassifier(SettingContext(roster=(RosterChild("Tommy Kowalski"),)))
    notice = "We now collect from Parkview Primary and Brookside Juniors every afternoon."
    assert clf.classify(ClassifierInput(id="n", text=notice,
                                        author_role=AuthorRole.ORGANISATION)) == []
    dets = clf.classify(ClassifierInput(id="c", text="Tommy from Parkview Primary was brilliant"))
    assert dets and dets[0].severity == Severity.HIGH
    text = "Tommy from Parkview Primary was brilliant"
    assert "Parkview Primary" in [text[s.start:s.end] for s in dets[0].spans if s.type == "school"]
