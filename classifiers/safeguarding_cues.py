"""Near-certain safeguarding phrases: evidence the model must not be allowed to miss.

Safeguarding favours recall, and a few wordings are formulaic: a child saying an adult
hurts them, talk of suicide or self-harm, and an adult asking a child for secrecy,
pictures or a private channel. These are matched on the normalised text (so ``k!ll
myself`` and ``d m  m e`` count). Contact requests count only when the item is aimed at a
child (``u girls``, ``sweetie``, a timestamp in a video of children …), because "text me"
between parents is ordinary. Written from safeguarding guidance, not from evaluation data.
"""

from __future__ import annotations

import re

from classifiers.normalise import Normalised

_DISCLOSURE = re.compile(
    r"\b(?:(?:he|she|they|dad|mum|step ?dad|step ?mum|(?:mum|mom)'?s boyfriend|uncle|brother) "
    r"(?:hits|hit|hurts|hurt|touches|touched|kicks|kicked|punches|punched|chokes|burns|burnt) me|"
    r"(?:kill|killing|hurt|hurting|cut|cutting) myself|end it all|don'?t want to (?:be alive|live)|"
    r"scared to go home|don'?t want to go home|no food (?:at home|in the house)|"
    r"locks? me in|touched me (?:down there|where)|made me keep (?:it )?(?:a )?secret)\b",
    re.IGNORECASE)
_CONTACT = re.compile(
    r"\b(?:keep (?:it|this) (?:a |our |between )?(?:secret|us)|our (?:little )?secret|"
    r"(?:don'?t|dont|do not) (?:tell|show) (?:your|ur|yr) (?:mum|mom|dad|parents|mam|teacher)|"
    r"send (?:me )?(?:a )?(?:pic|pics|picture|photo|selfie)s?|video ?chat|"
    r"(?:dm|inbox|message|msg|text|snap|add|whatsapp) me|what'?s (?:your|ur|her|his) (?:snap|snapchat|insta|number|whatsapp)|"
    r"free (?:robux|skins|vbucks|v-bucks)|are (?:you|u) home alone|walk(?:s)? home (?:on (?:your|her|his) own|alone)|"
    r"(?:which|what) (?:school|club) (?:do (?:you|u)|does (?:she|he)) go to)\b",
    re.IGNORECASE)
_AT_CHILD = re.compile(
    r"\b(?:u|you) (?:girls|boys|kids)\b|\b(?:sweetie|sweetheart|cutie|babe|princess|little one|"
    r"little girl|little boy|pretty girl|beautiful girl)s?\b|\b\d{1,2}:\d{2}\b|"
    r"\b(?:girl|boy|kid|lad) (?:in|with|at) the\b|\bany of (?:u|you)\b|\bgirls?\b.*\b(?:cute|pretty|gorgeous)\b|"
    r"\b(?:cute|pretty|gorgeous)\b.*\bgirls?\b", re.IGNORECASE)


def cue_spans(norm: Normalised, context: str | None) -> list[tuple[int, int, str]]:
    """(original start, end, span type) of safeguarding cues in one item."""
    out = []
    for m in _DISCLOSURE.finditer(norm.text):
        s, e = norm.to_original(m.start(), m.end())
        out.append((s, e, "disclosure"))
    if _AT_CHILD.search(norm.text):
        for m in _CONTACT.finditer(norm.text):
            s, e = norm.to_original(m.start(), m.end())
            out.append((s, e, "contact_request"))
    return out
