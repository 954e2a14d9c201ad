"""The one tokenizer of the core: words as the engine reads them, and number words.

Every reader splits text here, so a question, a passage, a taxonomy phrase and the lexical
index's query agree on what a word is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[%£]")
_CASED_WORD = re.compile(r"[A-Za-z][\w'-]*")

_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
          "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
# "twenty-five", "seven", "forty": longest first, so a regex takes the whole compound
NUMBER_WORD = "(?:(?:" + "|".join(_TENS) + ")(?:-(?:" + "|".join(_UNITS[1:10]) + "))?|" + \
    "|".join(sorted(_UNITS, key=len, reverse=True)) + ")"


def normal(text: str) -> str:
    """Lower case with straight apostrophes; same length, so offsets still point into `text`."""
    return text.lower().replace("\u2019", "'").replace("\u2018", "'")


def tokens(text: str) -> list[str]:
    """The words of `text`, lower case ("mum's", "12", "£" and "%" included)."""
    return WORD.findall(normal(text))


def spans(text: str) -> Iterator[re.Match[str]]:
    """Each word of `text` with its place in it."""
    return WORD.finditer(normal(text))


def cased_words(text: str) -> list[str]:
    """Words as written, capitals kept (for names: "Team Around the Family")."""
    return _CASED_WORD.findall(text)


def plain_words(text: str) -> list[str]:
    """Letters-and-digits words only, possessives dropped: safe to quote in a lexical query."""
    return [w.partition("'")[0] for w in tokens(text) if w[0].isalnum()]


def number_value(word: str) -> int | None:
    """7 for "seven", 25 for "twenty-five", None for anything else."""
    word = word.lower().replace(" ", "-")
    if word in _UNITS:
        return _UNITS.index(word)
    tens, _, unit = word.partition("-")
    if tens in _TENS and (not unit or unit in _UNITS[1:10]):
        return _TENS[tens] + (_UNITS.index(unit) if unit else 0)
    return None


def any_of(*alternatives: str) -> re.Pattern[str]:
    """A case-insensitive pattern for any of `alternatives` as whole words (each may itself be
    a small pattern: "referrals?", "pregnan\\w*")."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)
