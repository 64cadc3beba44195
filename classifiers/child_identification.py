"""``child_identification``: a detail that identifies or could locate a child in care.

Four sources of evidence, combined:

- the roster (names and known-as names per location), matched on the normalised text with
  small misspellings allowed (rapidfuzz), so ``Тоmmy``, ``R.o.h.a.n`` and ``Zuzana`` for
  ``Zuzanna`` still match — never after a staff title (``Miss Sarah`` is staff);
- the setting's configured schools, uniforms and nearby places;
- the shared encoder: its ``child_identification`` head (trained on the domain set and
  written data), its evidence tagger (child_name, surname, age, school, …) and its
  person-name tagger (trained on WNUT-17 and BTC) for names the roster does not know;
- exact cues: year group or age, a time and a place, a street address; and a school
  named as English schools are named ("St Mary's C of E Primary"), which adds a detail
  to an item flagged on other evidence but never flags one by itself.

A person name counts only when something says it is a child (a roster match, the
model, or a cue such as an age, a school or "my little …"). Severity (categories.md):
high with a name plus any further detail, or any detail in the organisation's own post;
medium for a first name alone in a public comment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from classifiers import rules
from classifiers.base import Classifier, ClassifierInput, Detection, Span
from classifiers.context import SettingContext
from classifiers.encoder import EncoderRuntime, model_items, shared_runtime
from classifiers.normalise import Normalised, normalise
from classifiers.public_figures import public_figure_ranges
from monitor.types import AuthorRole, Category, Severity

CI_TYPES = {"child_name", "surname", "age", "school", "uniform", "place", "address", "time_place"}
_NAME_TYPES = {"child_name", "surname"}
#: The evidence tagger marking a child's name is enough on its own: it was trained to tag
#: children's names and to leave staff, parents and public figures alone.
NAME_TAG_MIN = 0.5
_TITLE = re.compile(r"\b(?:Miss|Mrs|Mr|Ms|Mx|Dr|Nurse|Auntie|Aunty|Uncle|Coach|Sir)\.?\s*$",
                    re.IGNORECASE)
_CHILD_CUE = re.compile(
    r"\b(?:my|our|your|her|his|their) (?:little |baby |youngest |eldest |middle )?"
    r"(?:son|daughter|boy|girl|lad|kid|child|grandson|granddaughter|nephew|niece|one|man|princess|"
    r"twins?|bubba|babe)\b|\b(?:my|our) little\b|\bkid\b|\bchild\b|\bboy\b|\bgirl\b|\bpupil\b",
    re.IGNORECASE)
#: On the setting's own page a person praised for an achievement is, unless the post says
#: otherwise, a child ("Certificate of the week goes to …"); staff are praised with their
#: role, their years of service or their qualifications.
_ORG_CHILD_CUE = re.compile(
    r"\b(?:certificate|star of the (?:week|day|month)|superstar|well done|proud of|award(?:ed)?|"
    r"prize|medal|sticker|head(?:teacher)?'s award|for (?:being|helping|trying|amazing|fantastic))\b",
    re.IGNORECASE)
_STAFF_CUE = re.compile(
    r"\b(?:staff|team|colleague|manager|play ?(?:leader|worker)|practitioner|apprentice|deputy|"
    r"cook|volunteer|years? (?:with|at|of service)|anniversary|joined|retir\w*|qualif\w*|"
    r"diploma|level [2-5]|course|training|nvq|dbs)\b", re.IGNORECASE)
#: Common words that are also given names: matched only when written with a capital.
_WORDLIKE = {"grace", "hope", "joy", "faith", "max", "rose", "ruby", "summer", "sunny", "will",
             "bill", "mark", "jack", "ivy", "poppy", "daisy", "holly", "lily", "willow", "river",
             "sky", "star", "honey", "autumn", "april", "may", "june", "dawn", "rocky", "reed",
             "page", "penny", "frank", "art", "ray", "dean", "sonny", "storm", "blue"}
#: "my Aarav", "our Hawa", "my daughter Hattie", "the Kowalski kids": a name a parent gives.
_POSSESSIVE_NAME = re.compile(
    r"\b(?:[Mm]y|[Oo]ur) (?:little |baby |youngest |eldest |middle )?(?:(?:son|daughter|boy|girl|lad|"
    r"grandson|granddaughter|nephew|niece|stepson|stepdaughter) )?([A-Z][a-z]{2,}(?:-[A-Z][a-z]+)?)\b")
_FAMILY_NAME = re.compile(r"\b[Tt]he ([A-Z][a-z]{2,}) (?:kids|children|boys|girls|twins|lads|brothers|sisters)\b")
_PROPER_TAIL = re.compile(r"\s+(?:[A-Z]|(?:club|site|team|setting|staff|room|office|branch|"
                          r"page|group|hall|holiday|breakfast|after|children|kids|families|parents|site)\b)")
#: Endings of English place names: "the Oakfield kids" are a site's children.
_PLACE_LIKE = re.compile(r"(?:field|side|hill|wood|ton|ham|bury|borough|ford|by|well|brook|dale|"
                         r"moor|croft|mere|gate|park|vale|view|green|lane|stead|worth|ley|cliffe)$",
                         re.IGNORECASE)
_NOT_NAMES = {"mum", "dad", "nan", "nana", "grandad", "grandma", "year", "reception", "club",
              "kidspace", "team", "staff", "manager", "house", "school", "family", "kids", "children",
              "holiday", "breakfast", "after", "little", "new", "first", "last", "local", "thanks",
              "thank", "god", "lord", "christmas", "easter", "summer", "setting", "lady", "gran",
              "auntie", "uncle", "cousin", "partner", "husband", "wife", "ex", "friend", "favourite",
              "head", "deputy", "designated", "lead", "office", "page", "website", "hearts",
              # "our Ofsted report", "our Friday film night", "our Diwali party": the bodies,
              # calendar words and festivals a childcare page writes about after "our"
              "ofsted", "nhs", "pta", "senco", "sendco", "dsl", "sats", "dbs", "council",
              "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
              "january", "february", "march", "april", "june", "july", "august", "september",
              "october", "november", "december", "spring", "autumn", "winter", "halloween",
              "diwali", "eid", "ramadan", "vaisakhi", "hanukkah", "pride", "bonfire", "valentine's",
              "baisakhi", "lohri", "holi", "navratri", "dussehra", "raksha", "bandhan", "rakhi",
              "gurpurab", "chanukah", "passover", "purim", "rosh", "hashanah", "sukkot", "vesak",
              "wesak", "hogmanay", "kwanzaa", "onam", "pongal", "lent", "shrove", "mothering",
              "thanksgiving", "solstice", "advent", "nativity"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+")
#: A word written as a name: a capital, then lower-case letters ("Harvey", not "harvey",
#: "HARVEY" or the stray "A" of an OCR read).
WRITTEN_NAME = re.compile(r"\b[A-Z][a-z]+\b")
#: Where a capitalised word is not a child's name (categories.md hard negatives): inside an
#: @handle or a web address, and the names of pets, mascots and toys ("our guinea pigs
#: Biscuit and Rolo", "the class teddy Barnaby").
_HANDLE_OR_URL = re.compile(r"@\w+|\b(?:https?://|www\.)\S+", re.IGNORECASE)
_PET_NAMES = re.compile(
    r"\b(?:guinea pigs?|hamsters?|gerbils?|rabbits?|bunn(?:y|ies)|dogs?|pupp(?:y|ies)|cats?|"
    r"kittens?|tortoises?|goldfish|fish|pets?|hens?|chickens?|ducks?|lambs?|ponies|pony|"
    r"stick insects?|snails?|caterpillars?|mascots?|tedd(?:y|ies)|puppets?|dolls?)"
    r"(?:,? (?:called|named))? ((?:[A-Z][a-z]+)(?:(?:,\s*|\s+(?:and|&)\s+)[A-Z][a-z]+)*)")


def says_child(text: str, author_role: AuthorRole | None) -> bool:
    """Does the text say that the person it names is a child? ("my little …", "the boy",
    or, on the setting's own page, praise for an achievement that is not a staff member's)."""
    if _CHILD_CUE.search(text):
        return True
    return (author_role == AuthorRole.ORGANISATION and bool(_ORG_CHILD_CUE.search(text))
            and not _STAFF_CUE.search(text))


_STAFF_ROLE = (r"(?:staff member|member of staff|play ?worker|play leader|practitioner|"
               r"(?:deputy |assistant )?manager|deputy|cook|chef|volunteer|apprentice|room leader|"
               r"teaching assistant|DSL|SENCo)")
#: A person the text introduces as staff ("Meet the team: Hannah …", "Hannah has been a
#: playworker …", "our cook Denise"): categories.md's hard negative, staff named in praise.
_STAFF_INTRO = re.compile(
    r"\b([A-Z][a-z]{2,})(?: [A-Z][a-z]+)? (?:has been|is|was|became|joins us as|joined us as) "
    rf"(?:a |an |our |the )?(?:new |lovely |brilliant |fantastic )?{_STAFF_ROLE}\b"
    rf"|\b(?:[Oo]ur|[Nn]ew|[Tt]he) (?:new )?{_STAFF_ROLE},? ([A-Z][a-z]{{2,}})\b"
    r"|\bMeet (?:the|our) (?:new )?(?:team|staff)\b[:,\-–— ]+([A-Z][a-z]{2,})\b")


def _staff_words(*texts: str | None) -> set[str]:
    """Names the item or the post it replies to introduces as staff (case-folded)."""
    return {name.casefold() for text in texts if text
            for m in _STAFF_INTRO.finditer(text) for name in m.groups() if name}


def _addressee_words(author: str | None) -> set[str]:
    """The words of a display name ("Aisha Rahman" → {"aisha", "rahman"})."""
    if not author:
        return set()
    return {w.casefold() for w in re.findall(r"[^\W\d_]{2,}", author)}


class _RosterMatcher:
    """Roster names (first names, known-as and surnames) matched with small misspellings."""

    def __init__(self, context: SettingContext) -> None:
        self.names: dict[str, str] = {}  # lower-case token -> span type
        for child in context.roster:
            parts = normalise(child.name).text.split()
            if parts:
                self.names[parts[0].lower()] = "child_name"
                for p in parts[1:]:
                    self.names.setdefault(p.lower(), "surname")
            if child.known_as:
                for p in normalise(child.known_as).text.split():
                    self.names[p.lower()] = "child_name"

    def find(self, norm: Normalised) -> list[Span]:
        if not self.names:
            return []
        spans = []
        for m in _WORD.finditer(norm.text):
            word = m.group().rstrip("'s").rstrip("'")
            low = word.lower()
            typ = self.names.get(low)
            if typ is None and len(low) >= 4:
                for name, t in self.names.items():
                    if abs(len(name) - len(low)) <= 2 and name[0] == low[0] \
                            and fuzz.ratio(name, low) >= 85:
                        typ = t
                        break
            if typ is None:
                continue
            if low in _WORDLIKE and not word[0].isupper():
                continue
            if _TITLE.search(norm.text[:m.start()]):
                continue  # "Miss Grace" is a member of staff
            s, e = norm.to_original(m.start(), m.start() + len(word))
            spans.append(Span(s, e, typ, {"source": "roster"}))
        return spans


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str] | None:
    """One regex for the configured phrases, normalised like the text they are found in."""
    parts = sorted({normalise(p).text.lower().strip() for p in phrases} - {""}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in parts) + r")\b") if parts else None


def _phrase_spans(norm: Normalised, pattern: re.Pattern[str] | None, typ: str) -> list[Span]:
    spans: list[Span] = []
    if pattern is None:
        return spans
    low = norm.text.lower()
    if len(low) == len(norm.text):
        for m in pattern.finditer(low):
            s, e = norm.to_original(m.start(), m.end())
            spans.append(Span(s, e, typ))
    return spans


#: A quoted title ("we read 'And Tango Makes Three'"): three or more words, all
#: capitalised but the small ones. Quoted speech ("she said 'Tom hit me'") is not title
#: case and a name on a label ("a lunchbox with 'Skye M' on it") is shorter, so both stay.
_QUOTED = re.compile(r"['‘\"“]([^'’\"”\n]{3,80})['’\"”]")
_SMALL_WORDS = {"a", "an", "the", "and", "of", "in", "on", "to", "for", "at", "with", "from"}


def _title_ranges(text: str) -> list[Span]:
    out = []
    for m in _QUOTED.finditer(text):
        words = m.group(1).split()
        big = [w for w in words if w[:1].isupper()]
        rest = [w for w in words if not w[:1].isupper() and w.lower() not in _SMALL_WORDS]
        if len(words) >= 3 and len(big) >= 2 and not rest:
            out.append(Span(m.start(1), m.end(1), "title"))
    return out


#: "Oakfield breakfast club" is also called "Oakfield".
_SITE_SUFFIX = re.compile(r"(?:\s+(?:breakfast|after[- ]school|holiday|kids|club|site|setting))+\s*$",
                          re.IGNORECASE)


def _inside(a: Span, spans: Sequence[Span]) -> bool:
    return any(b.start <= a.start and a.end <= b.end for b in spans)


def _own_names_pattern(context: SettingContext) -> re.Pattern[str] | None:
    """The setting's own site names (with and without "club" and the like) and its
    organisation names, as one pattern."""
    own = [n for loc in context.locations for n in (loc.name, _SITE_SUFFIX.sub("", loc.name))]
    return _phrase_pattern(own + list(context.organisation_names))


def _not_child_names(item: ClassifierInput, norm: Normalised,
                     own_names: re.Pattern[str] | None) -> list[Span]:
    """Ranges of the original text where a name is never a child's: e-mail addresses,
    handles and links, quoted titles of books and films, the setting's own place and
    organisation names (``own_names``), pets and mascots."""
    out = [Span(s, e, "email") for s, e, _ in rules.find_emails(norm)]
    out += [Span(m.start(), m.end(), "handle") for m in _HANDLE_OR_URL.finditer(item.text)]
    out += _title_ranges(item.text)
    for m in _PET_NAMES.finditer(norm.text):
        s, e = norm.to_original(m.start(1), m.end(1))
        out.append(Span(s, e, "pet"))
    out += _phrase_spans(norm, own_names, "setting")
    out += _plain_word_spans(item.text)
    return out


def _adult_age(span_text: str) -> bool:
    """"he's 25", "turns 30": an age no child in wrap-around care has (the rules' ages stop
    at 16; the tagger's may not)."""
    numbers = [int(n) for n in re.findall(r"\d+", span_text)]
    return bool(numbers) and min(numbers) > 16


def _plain_word_spans(text: str) -> list[Span]:
    """Words the model's tagger may take for a name but a name is not: the words in
    ``_NOT_NAMES`` ("Happy Vaisakhi"), and, in text written with capitals, a word written
    in lower case ("Staff birthday klaxon"). Text all in lower case keeps its names: many
    commenters write "my harvey" and the model is the only reader of those."""
    cased = bool(WRITTEN_NAME.search(text))  # "ARLO U FAMOUS" is shouting, not casing
    return [Span(m.start(), m.end(), "word") for m in _WORD.finditer(text)
            if m.group().casefold() in _NOT_NAMES or (cased and m.group().islower())]



class ChildIdentificationClassifier(Classifier):
    name = "child_identification"
    version = "child-id-1"
    categories = frozenset({Category.CHILD_IDENTIFICATION})

    def __init__(self, context: SettingContext | None = None,
                 runtime: EncoderRuntime | None = None) -> None:
        self.context = context or SettingContext.default()
        self.runtime = runtime or shared_runtime()
        self.version = f"child-id-1+{self.runtime.version}"  # type: ignore[misc]
        self.threshold = self.runtime.thresholds["child_identification"]
        self.roster = _RosterMatcher(self.context)
        locs = self.context.locations
        self.schools = _phrase_pattern([s for loc in locs for s in loc.schools])
        self.uniforms = _phrase_pattern([u for loc in locs for u in loc.uniforms])
        self.places = _phrase_pattern([p for loc in locs for p in loc.places])
        self.own_names = _own_names_pattern(self.context)

    def classify_batch(self, items: Sequence[ClassifierInput]) -> list[list[Detection]]:
        results = self.runtime.run(model_items(items))
        return [self._one(item, res) for item, res in zip(items, results)]

    def _parent_named(self, norm: Normalised) -> list[Span]:
        """Names after "my"/"our" and "the <Surname> kids" — exact patterns, no model."""
        org = {n.lower() for n in self.context.organisation_names}
        spans = []
        for pattern, typ in ((_POSSESSIVE_NAME, "child_name"), (_FAMILY_NAME, "surname")):
            for m in pattern.finditer(norm.text):
                word = m.group(1)
                if word.lower() in _NOT_NAMES or word.lower() in org:
                    continue
                if pattern is _POSSESSIVE_NAME and _PROPER_TAIL.match(norm.text, m.end(1)):
                    continue  # "our Bramley Fields club", "our Designated Safeguarding Lead"
                if pattern is _FAMILY_NAME and _PLACE_LIKE.search(word):
                    continue  # "the Brookside kids" are a club's children, not a family
                s, e = norm.to_original(m.start(1), m.end(1))
                spans.append(Span(s, e, typ, {"source": "pattern"}))
        return spans

    def _one(self, item: ClassifierInput, res: object) -> list[Detection]:
        from classifiers.encoder import EncoderResult

        assert isinstance(res, EncoderResult)
        norm = res.norm
        p = res.probs["child_identification"]
        roster = self.roster.find(norm)
        tagged = {Span(t.start, t.end, t.type) for t in res.spans
                  if t.type in _NAME_TYPES and t.score >= NAME_TAG_MIN}
        model_spans = [Span(t.start, t.end, t.type) for t in res.spans if t.type in CI_TYPES]
        model_spans = [s for s in model_spans
                       if not (s.type in _NAME_TYPES and _TITLE.search(item.text[:s.start]))
                       and not (s.type == "age" and _adult_age(item.text[s.start:s.end]))]
        config_spans = (_phrase_spans(norm, self.schools, "school")
                        + _phrase_spans(norm, self.uniforms, "uniform")
                        + _phrase_spans(norm, self.places, "place"))
        parent_names = [s for s in self._parent_named(norm) if not s.overlaps(roster)]
        model_spans = [s for s in model_spans if not s.overlaps(parent_names)] + parent_names
        cue_spans = [Span(s, e, "age") for s, e in rules.find_ages(norm)]
        cue_spans += [Span(s, e, "time_place") for s, e in rules.find_time_places(norm)]
        cue_spans += [Span(s, e, "address") for s, e in rules.find_addresses(norm)]
        # a school named as schools are named: a detail of an item flagged on other
        # evidence, never evidence itself (the setting names the schools it collects from)
        named_schools = [Span(s, e, "school") for s, e in rules.find_schools(norm)]
        child_cue = bool(cue_spans) or says_child(norm.text, item.author_role)
        persons = [Span(t.start, t.end, "child_name") for t in res.persons
                   if not _TITLE.search(item.text[:t.start])]

        # Names that are not a child's: the person a reply answers (an adult who
        # commented), staff the item or its post introduces ("Meet the team: Hannah …"),
        # and names inside e-mails, handles, titles, pets or the club's own site names;
        # the site names are no detail about a child either.
        adults = _addressee_words(item.context_author) | _staff_words(item.text, item.context)
        not_children = _not_child_names(item, norm, self.own_names)
        if adults or not_children:
            setting = [sp for sp in not_children if sp.type == "setting"]

            def keep(sp: Span) -> bool:
                if sp.type in _NAME_TYPES:
                    return (item.text[sp.start:sp.end].strip().casefold() not in adults
                            and not _inside(sp, not_children))
                return not (sp.type in {"school", "place"} and _inside(sp, setting))

            roster, model_spans, persons, parent_names, named_schools = (
                [sp for sp in spans if keep(sp)]
                for spans in (roster, model_spans, persons, parent_names, named_schools))
            tagged = {sp for sp in tagged if keep(sp)}

        famous = public_figure_ranges(norm.text)
        if famous:
            famous = [norm.to_original(a, b) for a, b in famous]
            model_spans = [s for s in model_spans if s.type not in _NAME_TYPES
                           or not any(s.start < b and a < s.end for a, b in famous)]
            persons = [s for s in persons if not any(s.start < b and a < s.end for a, b in famous)]
        names = [s for s in roster + model_spans if s.type in _NAME_TYPES]
        evidence = bool(model_spans or config_spans or (persons and child_cue))
        tagged_name = any(t.type in _NAME_TYPES for t in model_spans
                          if t.detail is None and t in tagged)
        fired = (bool(roster) or bool(parent_names) or tagged_name
                 or (p >= self.threshold and evidence))
        if not fired and persons and child_cue and p >= self.threshold * 0.5:
            fired = True
            names += persons
        if not fired:
            return []
        spans: list[Span] = []
        for s in roster + model_spans + config_spans + cue_spans + named_schools:
            if not s.overlaps(spans):
                spans.append(s)
        if not any(s.type in _NAME_TYPES for s in spans):
            for s in persons:
                if not s.overlaps(spans):
                    spans.append(s)
        details = {s.type for s in spans} - _NAME_TYPES
        has_name = any(s.type in _NAME_TYPES for s in spans)
        org = item.author_role == AuthorRole.ORGANISATION
        severity = Severity.HIGH if org or (has_name and (details or len(names) > 1
                                                          and any(s.type == "surname" for s in spans))) \
            else (Severity.MEDIUM if has_name else Severity.HIGH)
        score = max(p, 0.95 if roster else 0.0)
        return [Detection(Category.CHILD_IDENTIFICATION, round(score, 4),
                          label="roster_name" if roster else "model",
                          spans=tuple(sorted(spans, key=lambda x: x.start)), severity=severity,
                          extra={"model_score": round(p, 4), "details": sorted(details)})]
