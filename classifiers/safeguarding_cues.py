"""Near-certain safeguarding phrases: evidence the model must not be allowed to miss.

Safeguarding favours recall, and a few wordings are formulaic: a child saying an adult
hurts them or makes them do things, talk of suicide or self-harm, neglect in a child's
words, secrecy imposed on a child, an allegation that staff hurt a child, and an adult
asking a child for secrecy, pictures or a private channel, or offering gifts or money.
These are matched on the normalised text (so ``k!ll myself`` and ``d m  m e`` count).
Contact requests count only when the item is aimed at a child (``u girls``, ``sweetie``,
a timestamp in a video of children …), because "text me" between parents is ordinary. Written from safeguarding guidance (the signs and wordings that training for
staff lists), not from evaluation data; DATA.md (eleventh session) records what they cost.
"""

from __future__ import annotations

import re

from classifiers.normalise import Normalised


def _matcher(pattern: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The pattern for lower-cased text, and a case-blind copy for text whose lower case
    changes length ("İ"), where offsets into the lower-cased copy would not hold. Matching
    lower-cased text case-sensitively is about four times faster (measured on the bench's
    comments), and every comment goes through these patterns."""
    return re.compile(pattern), re.compile(pattern, re.IGNORECASE)


# Who hurts: family, other adults a child meets, or just "he"/"she".
_ACTOR = (
    r"(?:he|she|they|dad|daddy|mum|mummy|mom|mam|step ?dad|step ?mum|step ?brother|"
    r"(?:mum|mom|mam|mummy)'?s (?:boyfriend|partner|friend)|dad'?s (?:girlfriend|partner|friend)|"
    r"uncle|auntie|aunt|brother|cousin|grandad|granddad|grandpa|grandma|nan|nana|gran|"
    r"babysitter|coach|carer|foster (?:mum|dad|carer)|a man|the man|that man|a lady|someone|somebody)")
_HURT = (
    r"(?:hits|hit|hurts|hurt|touches|touched|kicks|kicked|punches|punched|chokes|choked|"
    r"strangles|strangled|burns|burnt|burned|slaps|slapped|smacks|smacked|beats|beat|batters|"
    r"battered|whips|whipped|bites|pinches|pinched|grabs|grabbed|shoves|shoved|locks|locked|"
    r"keeps (?:hitting|hurting|touching|kicking|punching|slapping|smacking|beating))")
_DISCLOSURE = _matcher(
    rf"\b(?:{_ACTOR} (?:always |still |sometimes |really )?{_HURT} (?:me|us|my (?:mum|mom|mam|mummy))(?! up\b)|"
    # sexual abuse as children tell it
    r"touch(?:es|ed)? (?:me )?(?:down there|(?:my|me) private(?:s| parts)?)|touched me where|"
    r"(?:makes|made|make) me (?:touch|watch|take (?:off )?my|do (?:things|stuff|rude)|keep (?:it )?(?:a )?secret)|"
    r"(?:comes|came|gets|got|climbs) (?:in|into) (?:my )?bed (?:at night|when)|"
    r"show(?:s|ed)? me (?:rude|naked|dirty) (?:pictures|pics|videos|photos)|"
    # self-harm and suicide
    r"(?:kill|killing|hurt|hurting|cut|cutting|harm|harming|starve|starving) myself|"
    # named by the person it happens to, not in training or a signposting post
    r"(?:i|im|i'?m|i'?ve|been|started|keeps?|still|she'?s|he'?s) (?:been |started |am )?self[- ]?harm(?:ing|ed|s)?|"
    r"(?:i|im|i'?m|feel|feeling|felt|been|am|she'?s|he'?s) (?:so |really |very )?suicidal|"
    r"end it all|end my life|better off dead|"
    r"\bi ?(?:just |really |honestly )?(?:want|wanna) (?:to )?die\b(?! (?:of|from|laughing|lol|haha))|"
    r"wish i (?:was|were) dead|wish i (?:wasn'?t|was never) born|"
    r"don'?t want to (?:be alive|live|be here any ?more)|"
    # fear, neglect and imposed secrecy
    r"scared to go home|don'?t want to go home|no food (?:at home|in the house)|"
    r"nobody (?:feeds|looks after) (?:me|us)|not allowed to eat|"
    r"(?:leaves|left) (?:me|us) (?:home )?(?:alone|on (?:my|our) own) (?:all night|overnight|for days|every night)|"
    r"locks? me in|told me not to tell|(?:said|says) (?:i'?m|im|i am) not (?:allowed )?to tell|"
    # an allegation against staff
    r"(?:one of (?:the|your) (?:staff|workers|leaders|carers|helpers)|(?:a|the|your) (?:member of staff|staff member|playworker|club worker)) "
    r"(?:hit|smacked|slapped|grabbed|shoved|shook|kicked|dragged|pinched|touched|hurt) "
    r"(?:my|our|me|him|her|a child|the child|the kids|kids|children))\b")
_CONTACT = _matcher(
    r"\b(?:keep (?:it|this) (?:a |our |between )?(?:secret|us)|our (?:little )?secret|"
    r"(?:don'?t|dont|do not|no need to) (?:tell|show) (?:your|ur|yr|the)? ?(?:mum|mom|dad|parents|mam|teacher)|"
    r"send (?:me )?(?:a )?(?:pic|pics|picture|photo|selfie)s?|video ?chat|"
    r"(?:dm|inbox|message|msg|text|snap|add|whatsapp) me|what'?s (?:your|ur|her|his) (?:snap|snapchat|insta|number|whatsapp)|"
    r"free (?:robux|skins|vbucks|v-bucks)|are (?:you|u) home alone|walk(?:s)? home (?:on (?:your|her|his) own|alone)|"
    r"(?:which|what) (?:school|club) (?:do (?:you|u)|does (?:she|he)) go to|"
    r"(?:i'?ll|i will|i can|i could) (?:buy|get|give) (?:you|u) (?:(?:a|an|some|new|ur|your) )*"
    r"(?:phone|iphone|present|gift|sweets|vape|skins|robux|money|cash)|(?:easy|quick|fast) (?:money|cash)|"
    r"where do (?:you|u) live)\b")
_AT_CHILD = _matcher(
    r"\b(?:u|you) (?:girls|boys|kids)\b|\b(?:sweetie|sweetheart|cutie|babe|princess|little one|"
    r"little girl|little boy|pretty girl|beautiful girl)s?\b|\b\d{1,2}:\d{2}\b|"
    r"\b(?:girl|boy|kid|lad) (?:in|with|at) the\b|\bany of (?:u|you)\b|\bgirls?\b.*\b(?:cute|pretty|gorgeous)\b|"
    r"\b(?:cute|pretty|gorgeous)\b.*\bgirls?\b")


def cue_spans(norm: Normalised, context: str | None) -> list[tuple[int, int, str]]:
    """(original start, end, span type) of safeguarding cues in one item."""
    text = norm.text.lower()
    form = 0  # each matcher's lower-case pattern; the case-blind one if offsets would shift
    if len(text) != len(norm.text):
        text, form = norm.text, 1
    out = []
    for m in _DISCLOSURE[form].finditer(text):
        s, e = norm.to_original(m.start(), m.end())
        out.append((s, e, "disclosure"))
    if _AT_CHILD[form].search(text):
        for m in _CONTACT[form].finditer(text):
            s, e = norm.to_original(m.start(), m.end())
            out.append((s, e, "contact_request"))
    return out
