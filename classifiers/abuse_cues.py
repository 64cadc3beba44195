"""Veiled and open threats against a person: evidence of abuse the model must not miss.

categories.md counts threats as abuse (high severity), and the domain README types
incitement to harass ("ring her all night", "if anyone wants to have a word") as a threat.
Threats are often worded without a single insult ("she'll get what's coming", "I know
where you live"), which the encoder's abuse head can score low. These forms are exact
enough to count on their own; idioms that share words with them ("I'd kill for a lie in",
"fight me 😂", "you're dead funny") are not in the list. Written from categories.md and
the domain README, not from evaluation data.
"""

from __future__ import annotations

import re

from classifiers.normalise import Normalised

_WHO = r"(?:you|u|ya|she|he|they|them|her|him)"
_THREAT = re.compile(
    rf"\b(?:(?:i|we) know where {_WHO} (?:live|lives)|"
    r"(?:watch|mind) (?:your|ur|her|his|their) back|"
    r"(?:you'?ll|u'?ll|she'?ll|he'?ll|they'?ll|you will|she will|he will|they will) "
    r"(?:get what'?s coming|be sorry|regret (?:it|this|that)|pay for (?:this|it|that))|"
    rf"get what'?s coming(?: to {_WHO})?|"
    rf"(?:i'?ll|i will|gonna|going to|i'?m going to) (?:sort {_WHO} out|smash {_WHO}|"
    rf"batter {_WHO}|deck {_WHO}|knock {_WHO} out|do {_WHO} in|"
    r"(?:smash|punch|slap|kick) (?:your|her|his|their) (?:face|head|teeth)(?: in)?)|"
    r"(?:someone|somebody|some1) (?:should|needs to|need to|ought to) "
    rf"(?:sort {_WHO} out|teach {_WHO} a lesson|slap {_WHO}|punch {_WHO}|smack {_WHO})|"
    rf"(?:ring|call|message|text) {_WHO} (?:all night|every day|non ?stop)|"
    r"if any(?:one|1) wants to have a word)\b")
#: "I know where you live… because you're my neighbour": a joke that says so at once. A
#: laughing emoji is no such sign: "someone push her over 😂" mocks as it incites.
_JOKE = re.compile(r"\bjk\b|\bjust joking\b|\bonly joking\b|\bbecause (?:you'?re|ur) my\b")


def threat_spans(norm: Normalised) -> list[tuple[int, int]]:
    """(original start, end) of threats against a person in one item."""
    text = norm.text.lower()
    if len(text) != len(norm.text):  # "İ": keep offsets, match case-blind
        text = norm.text
        found = re.finditer(_THREAT.pattern, text, re.IGNORECASE)
    else:
        found = _THREAT.finditer(text)
    out = []
    for m in found:
        if _JOKE.search(text[m.end():m.end() + 40]):
            continue
        out.append(norm.to_original(m.start(), m.end()))
    return out
