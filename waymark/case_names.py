"""The words of a question that name the people in it: "jayden is 7", "dad tomasz", "mum
(aisling)", "the Doyle family", "kerry told me…". Practitioners put case detail before what they
ask, and a name is a word no document uses: counted as a topic it drags the question's share of
the guidance's words down and reads as a subject the guidance does not cover. Only words in the
places names stand, and only those the knowledge base never uses, are taken for names ("dad
drinking 3 cans a day" names no one: the documents use "drinking")."""

from __future__ import annotations

import re
from collections.abc import Callable

from waymark.phrases import fold
from waymark.reading.people_words import ROLES
from waymark.terms import STOPWORDS

_WORD = r"([a-z][a-z'-]+)"
_NAME = r"([A-Za-z][a-z'-]+)"  # written with or without its capital
_ROLE = "|".join(sorted(map(re.escape, ROLES), key=len, reverse=True))
_AGE = (r"(?:\d{1,2}(?:\.5)?(?![\d:%.])(?!\s*(?:times|am|pm|hours?|hrs|mins?|days?|nights?|"
        r"pounds|percent)\b)(?:\s*(?:yo|y/o|yrs?|years?|months?|mths?|wks?|weeks?))?"
        r"|(?:yr|year|y)\s?\d{1,2})\b")
_PLACES = [
    # before an age or a school year: "jayden is 7", "ruby (6)", "zainab 15", "kofi yr9"
    re.compile(_WORD + r"(?:\s*\(\s*|\s*,\s*|\s+(?:is|aged|age)\s+|\s+)" + _AGE,
               re.IGNORECASE),
    # beside a role word: "mum (aisling)", "mum, grace,", "dad Tomasz" (a lower-case word
    # straight after one is more often what they do: "dad drinking", "partner strangled")
    re.compile(rf"\b(?i:{_ROLE})\s*(?:\(\s*|,\s*){_NAME}"),
    re.compile(rf"\b(?i:{_ROLE})\s+([A-Z][a-z'-]+)"),
    # a family: "the Doyle family", "the Mensahs"
    re.compile(rf"\bthe\s+{_WORD}\s+family\b", re.IGNORECASE),
    re.compile(r"\bthe\s+([A-Z][a-z'-]+s)\b"),
    # telling, at the start of a clause: "kerry told me", "Ellie says"
    re.compile(rf"(?:^|[.!?;,]\s*){_WORD}\s+(?:told|tells|says|said|disclosed)\b",
               re.IGNORECASE),
]


def case_names(text: str, unknown: Callable[[str], bool]) -> set[str]:
    """The words of `text` that name people, as `phrases.words` gives them ("the Mensahs":
    "mensah"), of those `unknown` says no document uses."""
    found = {fold(match.group(1).lower()) for place in _PLACES
             for match in place.finditer(text)}
    return {word for word in found if word not in STOPWORDS and unknown(word)}
