"""Evasion-proof text normalisation with an offset map back to the original text.

Every classifier reads the *normalised* text, but evidence must point at the text the
reviewer sees. So each normalised character remembers the ``[start, end)`` range of the
original characters it came from, and :meth:`Normalised.to_original` maps a span back.

Steps, in order (each keeps the map exact):

1. per character: Unicode NFKC, accents stripped, zero-width / bidi / other format
   characters and variation selectors dropped, look-alike letters from Cyrillic, Greek
   and a few other blocks folded to Latin, emoji that stand for words or letters mapped
   (``👻`` → ``snapchat``, ``🅱️`` → ``b``);
2. leetspeak inside words (``b1tch``, ``sn@p``, ``k!lling``) — a 1:1 substitution, only
   in tokens with at least two letters, so ``Y3``, ``4C``, ``10am`` and phone numbers
   are left alone;
3. spaced or dotted single letters joined (``s t u p i d``, ``p.r.e.s.s``, ``b-e-n-d``);
4. runs of three or more of the same letter squeezed to one (``stuuupid``).

Why a table of our own and not the full Unicode confusables file? The evasions seen on a
childcare page use a few dozen look-alikes; a small table is fast, reviewable and has no
dependency. Case is kept, because capitals help the name recogniser.

Why so many fast paths? This runs on every comment before the models, and the speed
target (500 comments/s on two cores) leaves well under a millisecond for it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_CONFUSABLES: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "ɡ": "g", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ь": "b",
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O",
    "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ї": "I", "Ј": "J",
    "Ѕ": "S", "Ԁ": "D", "Һ": "H", "Ӏ": "I", "Ԛ": "Q", "Ԝ": "W",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "η": "n", "μ": "u", "γ": "y",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Latin look-alikes and IPA
    "ı": "i", "ɩ": "i", "ɑ": "a", "ɒ": "o", "ɛ": "e", "ʏ": "y", "ʀ": "r", "ɴ": "n",
    "ʜ": "h", "ʟ": "l", "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g",
    "ᴊ": "j", "ᴋ": "k", "ᴍ": "m", "ᴏ": "o", "ᴘ": "p", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v",
    "ᴡ": "w", "ᴢ": "z", "ß": "ss", "æ": "ae", "ø": "o", "đ": "d", "ł": "l",
    # punctuation variants that matter for matching
    "‘": "'", "’": "'", "ʼ": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‐": "-",
}

#: Emoji that commenters put in place of a word or a letter. Mapped with spaces around,
#: except the letter emoji, which join the word they sit in.
_EMOJI_WORDS: dict[str, str] = {
    "👻": "snapchat", "🐷": "pig", "🐖": "pig", "🤡": "clown", "🐒": "monkey", "🐵": "monkey",
    "🦍": "monkey", "🐀": "rat", "🐁": "rat", "🐄": "cow", "🐮": "cow", "🐍": "snake",
    "🔪": "knife", "🗡": "knife", "🔫": "gun", "💀": "dead", "🖕": "fuck you", "💩": "shit",
    "🐕": "dog", "🐶": "dog", "🐳": "whale", "🐋": "whale", "🦛": "hippo", "🍑": "arse",
    "☎": "phone", "📞": "phone", "📱": "phone", "📧": "email", "✉": "email", "🏠": "home",
    "🏡": "home", "📍": "at", "🤬": "angry", "😡": "angry",
}
_EMOJI_LETTERS: dict[str, str] = {"🅰": "a", "🅱": "b", "🅾": "o", "🅿": "p", "ℹ": "i", "Ⓜ": "m"}

_DROP_CATEGORIES = {"Cf", "Mn", "Me", "Cc"}
_KEEP_CONTROL = {"\n", "\t", "\r"}

_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
         "@": "a", "$": "s", "!": "i", "|": "l", "€": "e", "+": "t"}
_LEET_TOKEN = re.compile(r"[A-Za-z0-9@$!|€+]+")
_UNIT_SUFFIX = re.compile(r"^\d+(?:am|pm|st|nd|rd|th|s|k|m|p|yo|yrs?|mins?|hrs?|kg|cm|mm|ml|g|x)$",
                          re.IGNORECASE)
_SPACED = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z](?P<sep>[ .\-_*·])[A-Za-z](?:(?P=sep)[A-Za-z])+(?![A-Za-z0-9])\.?")
_REPEAT = re.compile(r"([A-Za-z])\1{2,}")
_PROTECTED = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b|[\w.+\-]+@[\w\-]+\.[\w.\-]+|https?://\S+|www\.\S+|\S+\.(?:com|net|org|co\.uk|io)\b")
_NUMBERISH = re.compile(r"^[0-9oOlI]+$")
_NEEDS_LEET = re.compile(r"[A-Za-z][0-9@$!|€+][A-Za-z0-9]|[0-9@$|€][A-Za-z]")


@dataclass(frozen=True, slots=True)
class Normalised:
    """Normalised text plus, for each of its characters, the original ``[start, end)``."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text to the smallest original span covering it."""
        if not self.text:
            return 0, 0
        start = min(max(start, 0), len(self.text) - 1)
        end = min(max(end, start + 1), len(self.text))
        return self.starts[start], self.ends[end - 1]


def _identity(text: str) -> Normalised:
    n = len(text)
    return Normalised(text, text, tuple(range(n)), tuple(range(1, n + 1)))


def _fold_char(c: str) -> str:
    mapped = _CONFUSABLES.get(c)
    if mapped is not None:
        return mapped
    n = unicodedata.normalize("NFKC", c)
    if n.isascii():
        return n
    out = []
    for ch in n:
        m = _CONFUSABLES.get(ch)
        if m is not None:
            out.append(m)
            continue
        base = "".join(x for x in unicodedata.normalize("NFD", ch)
                       if unicodedata.category(x) != "Mn")
        out.append(base or ch)
    return "".join(out)


_ASCII_RUN = re.compile(r"[\t\n\r\x20-\x7f]+")


def _step_chars(text: str) -> tuple[list[str], list[int], list[int]]:
    chars: list[str] = []
    st: list[int] = []
    en: list[int] = []
    pos = 0
    # Runs of kept ASCII are copied in bulk (they are most of every text); the other
    # characters go through _step_char one at a time.
    for m in _ASCII_RUN.finditer(text):
        a, b = m.span()
        for i in range(pos, a):
            _step_char(text[i], i, chars, st, en)
        chars.extend(text[a:b])
        st.extend(range(a, b))
        en.extend(range(a + 1, b + 1))
        pos = b
    for i in range(pos, len(text)):
        _step_char(text[i], i, chars, st, en)
    return chars, st, en


def _step_char(c: str, i: int, chars: list[str], st: list[int], en: list[int]) -> None:
    if c.isascii():
        if c < " " and c not in _KEEP_CONTROL:
            return
        chars.append(c)
        st.append(i)
        en.append(i + 1)
        return
    cat = unicodedata.category(c)
    if cat in _DROP_CATEGORIES or 0xFE00 <= ord(c) <= 0xFE0F:
        if cat in ("Mn", "Me") and en:  # a combining mark belongs to the previous char
            en[-1] = i + 1
        return
    word = _EMOJI_WORDS.get(c)
    if word is not None:
        for ch in f" {word} ":
            chars.append(ch)
            st.append(i)
            en.append(i + 1)
        return
    letter = _EMOJI_LETTERS.get(c)
    if letter is None and 0x1F1E6 <= ord(c) <= 0x1F1FF:  # regional indicator letters
        letter = chr(ord("a") + ord(c) - 0x1F1E6)
    folded = letter if letter is not None else _fold_char(c)
    for ch in folded:
        chars.append(ch)
        st.append(i)
        en.append(i + 1)


def _step_leet(chars: list[str]) -> None:
    s = "".join(chars)
    if not _NEEDS_LEET.search(s):
        return
    protected = [(m.start(), m.end()) for m in _PROTECTED.finditer(s)]
    for m in _LEET_TOKEN.finditer(s):
        tok = m.group()
        if any(a <= m.start() < b for a, b in protected):
            continue  # e-mail addresses and links keep their digits
        if _NUMBERISH.match(tok):
            continue  # "9OO562", "o7700": a phone number with letter-O, left for the phone rule
        letters = sum(ch.isalpha() for ch in tok)
        if tok.isalpha() or _UNIT_SUFFIX.match(tok):
            continue
        if letters < 2:  # "g0", "0f" yes; "4C", "Y3" (classes) no
            if len(tok) == 2 and "0" in tok and letters == 1:
                chars[m.start() + tok.index("0")] = "o"
            continue
        # trailing "!"/"$" after a whole word is punctuation or money, not a letter
        core_end = len(tok)
        while core_end and tok[core_end - 1] in "!|+":
            core_end -= 1
        core_start = 0
        while core_start < core_end and tok[core_start] in "@!|+$":
            core_start += 1  # "@user", "!!hello" keep their prefix
        body = tok[core_start:core_end]
        if sum(ch.isdigit() for ch in body) > sum(ch.isalpha() for ch in body):
            continue  # mostly a number: "07700a", "2x4"
        for k in range(core_start, core_end):
            ch = tok[k]
            if ch in _LEET:
                chars[m.start() + k] = _LEET[ch]


def _step_spaced(chars: list[str], st: list[int], en: list[int]) -> tuple[
        list[str], list[int], list[int]]:
    s = "".join(chars)
    if len(chars) != len(s):  # multi-char entries cannot occur, but stay safe
        return chars, st, en
    matches = list(_SPACED.finditer(s))
    if not matches:
        return chars, st, en
    drop: set[int] = set()
    for m in matches:
        for k in range(m.start(), m.end()):
            if not s[k].isalpha():
                drop.add(k)
    keep = [k for k in range(len(chars)) if k not in drop]
    return [chars[k] for k in keep], [st[k] for k in keep], [en[k] for k in keep]


def _step_repeat(chars: list[str], st: list[int], en: list[int]) -> tuple[
        list[str], list[int], list[int]]:
    s = "".join(chars)
    matches = list(_REPEAT.finditer(s))
    if not matches:
        return chars, st, en
    oc: list[str] = []
    os_: list[int] = []
    oe: list[int] = []
    pos = 0
    for m in matches:
        oc.extend(chars[pos:m.start()])
        os_.extend(st[pos:m.start()])
        oe.extend(en[pos:m.start()])
        oc.append(chars[m.start()])
        os_.append(st[m.start()])
        oe.append(en[m.end() - 1])
        pos = m.end()
    oc.extend(chars[pos:])
    os_.extend(st[pos:])
    oe.extend(en[pos:])
    return oc, os_, oe


_PLAIN = re.compile(r"[A-Za-z0-9 ,.'?\"():;/&£%#\n-]*")


def normalise(text: str) -> Normalised:
    """Normalise ``text`` for classification, keeping a map to original offsets."""
    if _PLAIN.fullmatch(text) and not _NEEDS_LEET.search(text) \
            and not _SPACED.search(text) and not _REPEAT.search(text):
        return _identity(text)
    chars, st, en = _step_chars(text)
    _step_leet(chars)
    chars, st, en = _step_spaced(chars, st, en)
    chars, st, en = _step_repeat(chars, st, en)
    return Normalised(text, "".join(chars), tuple(st), tuple(en))
