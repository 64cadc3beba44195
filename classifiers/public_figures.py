"""Public figures and fictional characters: names that are not children in care.

categories.md lists public figures as a hard negative, and the domain README names some
(Marcus Rashford, the Lionesses, Roald Dahl, Matilda, Bluey). The evidence tagger cannot
know every famous name, so a short gazetteer removes them from child-name evidence. It is
deliberately small and general (sport, children's books and TV, presenters); extend it
from reviewer dismissals rather than from evaluation data.
"""

from __future__ import annotations

import re

PUBLIC_FIGURES: tuple[str, ...] = (
    # football and sport
    "Marcus Rashford", "Harry Kane", "Bukayo Saka", "Jude Bellingham", "Phil Foden",
    "Declan Rice", "Raheem Sterling", "Mo Salah", "Erling Haaland", "Cole Palmer",
    "Leah Williamson", "Beth Mead", "Lucy Bronze", "Mary Earps", "Chloe Kelly", "Alessia Russo",
    "Ella Toone", "Millie Bright", "Lauren James", "Georgia Stanway", "Sarina Wiegman",
    "Emma Raducanu", "Andy Murray", "Lewis Hamilton", "Tom Daley", "Mo Farah", "Jessica Ennis",
    "Dina Asher-Smith", "Simone Biles", "David Beckham", "Gareth Southgate",
    # books, TV and film
    "Roald Dahl", "Matilda", "Harry Potter", "Hermione", "Gruffalo", "Julia Donaldson",
    "David Walliams", "Bluey", "Bingo", "Peppa", "Paddington", "Mr Tumble", "Justin Fletcher",
    "Elsa", "Anna", "Moana", "Spider-Man", "Spiderman", "Batman", "Peter Rabbit", "Winnie",
    "Horrid Henry", "Tracy Beaker", "Hey Duggee", "Mr Men", "Charlie Bucket", "Willy Wonka",
    "Mary Poppins", "Greta Thunberg", "Bear Grylls", "David Attenborough", "Joe Wicks",
    "Taylor Swift", "Ed Sheeran", "Stormzy", "Mrs Hinch", "Dolly Parton", "King Charles",
    "Prince William", "Princess Charlotte", "Prince George", "Prince Louis", "Rishi Sunak",
    "Keir Starmer",
)
_PATTERN = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(PUBLIC_FIGURES, key=len,
                                                                       reverse=True)) + r")s?\b",
                      re.IGNORECASE)


def public_figure_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of known public figures and characters in ``text``."""
    return [(m.start(), m.end()) for m in _PATTERN.finditer(text)]
