"""Threats to take a matter public: evidence of a complaint the model must not miss.

categories.md makes "a threat to go to the press, Ofsted, a solicitor or social media" a
complaint (high severity), and the policy wants such matters taken private at once. Unlike
a grumble, the threat has a grammar: somebody reports, goes, takes it or posts it to a
named outlet. The encoder's tagger sees these words but its complaint head can stay unsure
("I'm going to the papers" alone scored 0.06–0.10), so the exact forms count here, as the
safeguarding cues do for disclosures. Public items only: the organisation naming Ofsted or
its complaints procedure is signposting (categories.md), and what it narrates is the
model's to judge. Written from categories.md and the domain README's labelling
conventions, not from evaluation data.
"""

from __future__ import annotations

import re

from classifiers.normalise import Normalised

_ARTICLE = r"(?:the |my |our |a |an |every |all the |your |local |the local )*"
#: Local papers go by a town and a masthead ("the Netherby Echo", "the Daily Record").
_MASTHEAD = (r"(?:the |our local |the local )(?:[a-z]+ )?(?:gazette|echo|herald|courier|chronicle|"
             r"advertiser|argus|observer|evening news)|the daily (?:mail|mirror|record|express|telegraph|star)")
#: The press and the regulators: going to them is the threat ("I'm going to the papers",
#: "reporting you to Ofsted", "I've emailed my MP").
_PRESS = (rf"(?:{_MASTHEAD}|{_ARTICLE}(?:papers?|press|newspapers?|news|the media|media|bbc|itv|"
          r"sky news|journalists?|reporters?|ofsted|local authority|lado|mp|trading standards|"
          r"watchdog))(?![\w-]| (?:outstanding|good|rated|registered|inspect\w*|report|shop|round)\b)")
#: Lawyers, the council and the crowd are also where ordinary life goes ("I posted on the
#: Facebook group", "our solicitor for the divorce"): they need the matter as the object
#: ("taking this to a solicitor", "posting all this on Facebook", "reporting you to the
#: council"), or every group there is ("telling every mums group in Fenmoor").
_GROUPS = (r"(?:[a-z]+ )?(?:(?:facebook|fb|whatsapp|mums?'?|mams?'?|parents?'?|community|local|"
           r"school) )+groups?")
_CROWD = (rf"{_ARTICLE}(?:solicitors?|lawyers?|court|council|social media|facebook|fb|instagram|"
          rf"insta|tiktok|twitter|mumsnet|google(?: reviews?)?|trustpilot|{_GROUPS})\b")
_GO = (r"(?:report(?:ing|ed)?|complain(?:ing|ed)?|go(?:ing)?|gone|went|goin|tak(?:e|ing)|took|"
       r"send(?:ing)?|sent|contact(?:ing|ed)?|writ(?:e|ing)|wrote|written|email(?:ing|ed)?|"
       r"messag(?:e|ing|ed)|ring(?:ing)?|rang|call(?:ing|ed)?|tell(?:ing)?|told|speak(?:ing)?|"
       r"spoke|spoken|talk(?:ing|ed)?|escalat(?:e|ing|ed))")
_SPREAD = rf"(?:{_GO}|post(?:ing|ed)?|put(?:ting)?|shar(?:e|ing|ed)|plaster(?:ing)?)"
_MATTER = (r"(?:you|this|it|them|all this|all of this|the club|this club|the setting|your club|"
           r"you lot|everything|what happened|the (?:whole )?story|(?:about|abt) (?:this|it|you|"
           r"the club|this club|what happened))")
_NEXT = r"(?:next stop(?: is)?|straight to|then it'?s|it'?s going to|this goes to|next is)"
_PRESS_THREAT = re.compile(
    rf"\b(?:{_GO}(?: {_MATTER})?(?: straight| right| directly| further)?(?: (?:to|2|with|in|into))? "
    rf"{_PRESS}|"
    rf"{_SPREAD} {_MATTER}(?: straight| right| directly| further| all)?"
    rf"(?: (?:to|on|with|in|into|across|over))? {_CROWD}|"
    rf"{_SPREAD}(?: (?:to|on|in|across))? (?:every|all the) {_GROUPS}|"
    rf"{_NEXT} {_PRESS}|{_PRESS} (?:next|will be hearing|will hear|would (?:love|luv) to hear)|"
    r"see you in court|sue (?:you|the club|them|this club)|legal action|name and shame|"
    r"(?:my|our) solicitor will be in touch|solicitor'?s letter|instructed a solicitor|"
    r"(?:taking|take|took|seeking|getting|get) legal advice|small claims|employment tribunal|"
    r"(?:i'?m|i am|we'?re|we are) (?:a )?(?:reporter|journalist)s? (?:at|from|with|for)|"
    r"(?:before|when) we (?:publish|go to print|run (?:the|this) story)|run the story|"
    r"tagging @\w*(?:ofsted|news|gazette|echo|herald|bbc|itv|watchdog)\w*)\b")
#: Who the threat comes from: the writer (or their family), not a hypothetical "you can…".
_SIGNPOST = re.compile(r"\b(?:you can|you could|you may|you should|parents can|families can|"
                       r"if you (?:have|are|want)|how to|right to)\b")


def press_threat_spans(norm: Normalised, public: bool) -> list[tuple[int, int]]:
    """(original start, end) of threats to take a matter public, in a public item."""
    if not public:
        return []
    text = norm.text.lower()
    if len(text) != len(norm.text):  # "İ": keep offsets, match case-blind
        text = norm.text
        found = re.finditer(_PRESS_THREAT.pattern, text, re.IGNORECASE)
    else:
        found = _PRESS_THREAT.finditer(text)
    out = []
    for m in found:
        if _SIGNPOST.search(text[max(0, m.start() - 30):m.start()]):
            continue
        out.append(norm.to_original(m.start(), m.end()))
    return out
