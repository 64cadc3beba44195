"""Exact rules shared by the rule-based classifiers: phones, e-mails, postcodes, street
addresses, year groups and ages, times and places.

Why rules here? A UK phone number or a postcode has a grammar; a rule finds every one
and says exactly where it is, which a model cannot promise. Rules run on the normalised
text (so ``07700 9OO 214``, ``r0xy.b3ll [at] example.net`` and zero-width tricks are seen)
and return spans in ORIGINAL offsets through the normaliser's map.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers

from classifiers.normalise import Normalised

_NUMBER_WORDS = {"zero": "0", "oh": "0", "nought": "0", "one": "1", "two": "2", "three": "3",
                 "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w£.])(?:\+\s?4\s?4|\(?[0oO])[\s\-().]*(?:[0-9oOlI][\s\-().]{0,2}){8,12}[0-9oOlI](?![\w])")
_SPELLED = re.compile(r"\b(?:(?:zero|oh|nought|one|two|three|four|five|six|seven|eight|nine)"
                      r"[\s,\-]+){9,12}(?:zero|oh|nought|one|two|three|four|five|six|seven|eight|nine)\b",
                      re.IGNORECASE)
#: Helplines the organisation quotes on purpose (NSPCC, Childline): never personal data.
HELPLINES = {"08088005000", "08001111"}

_EMAIL = re.compile(
    r"[A-Za-z0-9][\w.+\-]*(?:\s+dot\s+[\w+\-]+)*\s*(?:@|\[\s*at\s*\]|\(\s*at\s*\)|\s+at\s+)\s*[A-Za-z0-9\-]+"
    r"(?:\s*(?:\.|\[\s*dot\s*\]|\(\s*dot\s*\)|\s+dot\s+)\s*[A-Za-z0-9\-]+)*"
    r"\s*(?:\.|\[\s*dot\s*\]|\(\s*dot\s*\)|\s+dot\s+)\s*(?:com|net|org|co|uk|io|me|ac|gov|info)\b",
    re.IGNORECASE)
_EMAIL_HINT = re.compile(r"(?i)(?:\.|\bdot\b|\[dot\]|\(dot\))\s*(?:com|net|org|co|uk|io|me|ac|gov|info)\b")
_GENERIC_LOCAL = {"bookings", "booking", "office", "info", "admin", "hello", "enquiries", "dsl",
                  "safeguarding", "press", "accounts", "hr", "people", "feedback", "recruitment",
                  "jobs", "contact", "support", "team", "complaints", "noreply", "no-reply"}

_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}\b")
_STREET_SUFFIX = (r"(?:Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Close|Drive|Dr|Way|Crescent|Grove|"
                  r"Court|Ct|Terrace|Gardens|Place|View|Row|Walk|Mews|Rise|Green|Square|Parade|"
                  r"Hill|Vale|Croft|Fold|Gate|Park|Meadows?)")
_ADDRESS = re.compile(
    rf"\b(?:[Ff]lat \d+[A-Za-z]?,? )?\d{{1,4}}[A-Za-z]?,? (?:[A-Z][A-Za-z']+ ){{1,3}}{_STREET_SUFFIX}\b"
    rf"(?:,? (?:[A-Z][a-z]+)(?: [A-Z][a-z]+)?)?")
_LIVES_ON = re.compile(rf"\b(?:lives?|living|moved) (?:on|at|in|to) (?:the )?(?:[A-Z][A-Za-z']+ ){{1,3}}"
                       rf"{_STREET_SUFFIX}\b")

_AGE = re.compile(
    r"\b(?:[Yy]ear|[Yy]r)\s?(?:[1-9]|1[0-3]|one|two|three|four|five|six)\b|\b[Yy][1-9]\b|"
    r"\bReception\b|\b[1-6][A-Z]\b|\baged? (?:[1-9]|1[0-6])\b|\b(?:[1-9]|1[0-6]) ?(?:years? old|yo|yrs? old)\b|"
    r"\b(?:[1-9]|1[0-6])(?:st|nd|rd|th) birthday\b|\bturn(?:s|ed|ing)? (?:[1-9]|1[0-6])\b")
_TIME_PLACE = re.compile(
    r"\b(?:at|on|every|after|before|from)\s+(?:[0-9]{1,2}(?:[.:][0-9]{2})?\s?(?:am|pm)?|half \w+|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day(?: (?:morning|afternoon|evening|night))?|"
    r"(?:school|club|tea|lunch)(?: time)?)\b[^.!?\n]{0,40}?\b(?:at|in|outside|by|near|on)\s+"
    r"(?:the\s+)?[A-Z][\w']+(?:\s[A-Z][\w']+)*", re.IGNORECASE)

#: School names as English schools are named: one to four capitalised words, an optional
#: faith or status word, then the kind of school ("St Mary's C of E Primary", "Brookside
#: Juniors", "Meadowbank Academy"); in lower case only "<word> primary/juniors/infants/
#: academy", the forms commenters type ("year 3 at oakfield primary").
_SCHOOL_KIND = r"(?:Primary|Juniors?|Infants?|Academy|High|Secondary|Grammar|Prep|Middle)"
_SCHOOL_FAITH = r"(?:C of E|CofE|CE|RC|Catholic|Church of England|Methodist|Community|Church|Free)"
_SCHOOL = re.compile(
    rf"\b(?P<name>(?:(?:St\.?|Saint) )?[A-Z][\w'’-]+(?: (?:St\.?|Saint|[A-Z][\w'’-]+)){{0,3}})"
    rf"(?: {_SCHOOL_FAITH})? (?:{_SCHOOL_KIND}(?: School| Academy)?|School)\b")
#: Faith schools are often called by their saint alone ("Year 4 at St Aelred's").
_SAINT_SCHOOL = re.compile(
    r"\b(?:(?:St\.?|Saint) [A-Z][a-z]+(?:'s|’s|s')|(?:st|saint) [a-z]+(?:'s|’s|s'|s)|"
    r"(?i:holy (?:trinity|family|cross|rood|spirit|name))|Our Lady(?:'s| of [A-Z][a-z]+)?)(?=\W|$)")
_SCHOOL_LOWER = re.compile(
    r"\b(?P<name>[a-z][a-z'’-]{2,}) (?i:primary|juniors|infants|academy)(?i: school)?\b")
#: Words that may stand before a kind of school without naming one ("the Primary", "Forest
#: School", "a Catholic primary", "Sunday School", "She Goes To …").
_NOT_SCHOOL_NAMES = {
    "the", "a", "an", "at", "to", "from", "in", "of", "for", "and", "or", "my", "our", "your",
    "his", "her", "their", "its", "this", "that", "which", "what", "every", "each", "any",
    "all", "local", "new", "old", "big", "little", "last", "next", "same", "other", "both",
    "nearest", "nearby", "catholic", "church", "community", "free", "faith", "state",
    "private", "independent", "special", "infant", "junior", "primary", "secondary", "high",
    "grammar", "middle", "prep", "forest", "sunday", "summer", "holiday", "driving", "dance",
    "swim", "swimming", "music", "drama", "football", "nursery", "boarding", "home", "after",
    "before", "breakfast", "half", "term", "year", "reception", "club", "go", "goes", "went",
    "attends", "attend", "starts", "started", "leaves", "left", "joins", "joined", "moved",
    "into", "up", "back", "off", "round", "near", "outside", "by", "is", "was", "be",
}


_FAITH_WORDS = {"catholic", "church", "community", "free", "methodist", "ce", "cofe", "rc"}


def find_schools(norm: Normalised) -> Iterator[tuple[int, int]]:
    """Named schools, from how schools are named: no list of schools needed. A detail,
    not a trigger: a setting announces which schools it collects from on purpose."""
    for pattern in (_SCHOOL, _SCHOOL_LOWER):
        for m in pattern.finditer(norm.text):
            words = m.group("name").split(" ")
            named = len(words)
            while named and words[named - 1].casefold() in _FAITH_WORDS:
                named -= 1  # "Lourdes Catholic Primary": the faith is no part of the name
            # the name starts after the last word that cannot be part of it ("She Goes To …"),
            # and has at most three words ("Happy Birthday Lily Oakfield Primary")
            cut = max([k + 1 for k in range(named) if words[k].casefold() in _NOT_SCHOOL_NAMES]
                      + [named - 3, 0])
            if cut >= named:
                continue  # "the Primary", "Forest School": no name
            start = m.start() + sum(len(w) + 1 for w in words[:cut])
            yield norm.to_original(start, m.end())
    for m in _SAINT_SCHOOL.finditer(norm.text):
        yield norm.to_original(m.start(), m.end())


def _digits(candidate: str) -> str:
    table = str.maketrans({"o": "0", "O": "0", "l": "1", "I": "1"})
    return re.sub(r"\D", "", candidate.translate(table).replace("+44", "0"))


def find_phones(norm: Normalised) -> Iterator[tuple[int, int, str]]:
    """UK phone numbers: (original start, original end, digits)."""
    text = norm.text
    for m in _PHONE_CANDIDATE.finditer(text):
        digits = _digits(m.group())
        if digits.startswith("44"):
            digits = "0" + digits[2:]
        if not 10 <= len(digits) <= 11:
            continue
        try:
            num = phonenumbers.parse(digits, "GB")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(num):
            s, e = norm.to_original(m.start(), m.end())
            yield s, e, digits
    for m in _SPELLED.finditer(text):
        words = re.findall(r"[a-z]+", m.group().lower())
        digits = "".join(_NUMBER_WORDS[w] for w in words)
        if len(digits) in (10, 11) and digits.startswith("0"):
            s, e = norm.to_original(m.start(), m.end())
            yield s, e, digits


def is_mobile(digits: str) -> bool:
    return digits.startswith("07")


#: Words just before a number that make it somebody else's, not the organisation's own
#: line: "we'll call you on …", "your landline …", "his number is …", "Mrs Ali's mobile: …".
_ANOTHERS_NUMBER = re.compile(
    r"(?:\b(?:(?:call|ring|phone|text|contact|reach)(?:ed|ing|s)?|rang) (?:you|him|her|them)"
    r"(?: back)?"
    r"|\b(?:your|his|her|their)(?: (?:home|work|mobile|new|old|landline))?"
    r"|\w+(?:'s|’s)(?: (?:home|work|mobile|new|old))?)"
    r"(?: (?:number|phone|landline|mobile|no\.?))?(?: is)?(?: (?:on|at|as|to))?[\s:,-]*$",
    re.IGNORECASE)
_OWN_NUMBER = re.compile(r"\b(?:us|our|we|office|club|setting|reception)\b", re.IGNORECASE)


def number_is_anothers(text: str, start: int, own_names: tuple[str, ...] = ()) -> bool:
    """Whether the words before a number say whose it is, and it is not the writer's own
    organisation ("we'll call you on 0161 …", "her landline is 0121 …"). An organisation's
    post that gives its office line ("call us on", "Kidspace's number is") stays its own.
    """
    before = text[max(0, start - 40):start]
    m = _ANOTHERS_NUMBER.search(before)
    if not m or _OWN_NUMBER.search(m.group()):
        return False
    said = m.group().lower().replace(" ", "")
    return not any(n and n.lower().replace(" ", "") in said for n in own_names)


def find_emails(norm: Normalised) -> Iterator[tuple[int, int, str]]:
    """E-mail addresses, including ``name [at] example [dot] com``: (start, end, local)."""
    if "@" not in norm.text and not _EMAIL_HINT.search(norm.text):
        return  # cheap pre-check: the full pattern is slow on every comment
    for m in _EMAIL.finditer(norm.text):
        raw = m.group()
        local = re.split(r"\s*(?:@|\[\s*at|\(\s*at|\s+at\s+)", raw, maxsplit=1, flags=re.IGNORECASE)[0]
        if "@" not in raw and not re.search(r"\[|\(|\bdot\b", raw, re.IGNORECASE):
            continue  # "meet at the park.com"-like accidents need an explicit marker
        s, e = norm.to_original(m.start(), m.end())
        yield s, e, local.lower()


def is_generic_email(local: str, full: str, organisation_names: tuple[str, ...]) -> bool:
    """A role mailbox or the organisation's own domain: published on purpose."""
    low = full.lower()
    if local in _GENERIC_LOCAL:
        return True
    return any(n and n.lower().replace(" ", "") in low for n in organisation_names)


def find_postcodes(norm: Normalised) -> Iterator[tuple[int, int]]:
    for m in _POSTCODE.finditer(norm.text):
        yield norm.to_original(m.start(), m.end())


def find_addresses(norm: Normalised) -> Iterator[tuple[int, int]]:
    for pattern in (_ADDRESS, _LIVES_ON):
        for m in pattern.finditer(norm.text):
            yield norm.to_original(m.start(), m.end())


def find_ages(norm: Normalised) -> Iterator[tuple[int, int]]:
    for m in _AGE.finditer(norm.text):
        yield norm.to_original(m.start(), m.end())


def find_time_places(norm: Normalised) -> Iterator[tuple[int, int]]:
    for m in _TIME_PLACE.finditer(norm.text):
        yield norm.to_original(m.start(), m.end())
