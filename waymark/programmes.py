"""National programmes a question names that the knowledge base does not hold.

"how do families apply for healthy start vouchers" or "does northbrook have a family drug and
alcohol court": every word is one the documents use, yet no document is about that programme,
and the closest passage answers a different question. `data/national_programmes.yaml` lists
national programmes, schemes, benefits, grants, courts and charities by the names
practitioners type; a question whose topic is one of them (its words carry a good share of the
question's weight) is refused when no document of the knowledge base names it in any spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from waymark.tokens import tokens

PROGRAMMES_FILE = Path(__file__).parent / "data" / "national_programmes.yaml"
# Kinds whose names are what they are everywhere; practice terms an area renames ("team around
# the family", "family hub") are services and initiatives, and stay out.
KINDS = frozenset({"programme", "scheme", "benefit", "grant", "court", "charity"})
TOPIC_SHARE = 0.25  # the programme's words carry at least this share of the question's weight


def plain(text: str) -> str:
    """Its words, apostrophes dropped, joined by single spaces ("Home-Start" -> "home start",
    "Carer's Allowance" -> "carers allowance")."""
    return " ".join(w.replace("'", "") for w in tokens(text) if w[0].isalnum())


@dataclass(frozen=True)
class Programme:
    name: str
    spellings: tuple[str, ...]  # plain forms: the name and its aliases


@cache
def programmes() -> tuple[Programme, ...]:
    found = []
    for row in yaml.safe_load(PROGRAMMES_FILE.read_text(encoding="utf-8")):
        if row.get("kind") not in KINDS:
            continue
        # a one-word name is too often just a word ("Kinship", "Refuge"); a one-word alias is
        # an acronym or a coined name ("fdac", "homestart")
        name = plain(re.sub(r"\(.*?\)", "", row["name"]))
        forms = [name] if len(name.split()) >= 2 else []
        forms += [a for a in map(plain, row.get("aliases", [])) if len(a) >= 3]
        if forms:
            found.append(Programme(row["name"], tuple(dict.fromkeys(forms))))
    return tuple(found)


@cache
def _spellings() -> tuple[re.Pattern[str], dict[str, Programme]]:
    """One pattern for every spelling (longest first), and the programme each spells."""
    owner = {s: p for p in reversed(programmes()) for s in p.spellings}
    alternation = "|".join(re.escape(s) for s in sorted(owner, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternation})(?![a-z0-9])"), owner


def named_in(text: str) -> list[tuple[Programme, str]]:
    """The programmes `text` names, each with the spelling it used."""
    pattern, owner = _spellings()
    named: dict[str, tuple[Programme, str]] = {}
    for match in pattern.finditer(plain(text)):
        programme = owner[match.group()]
        named.setdefault(programme.name, (programme, match.group()))
    return list(named.values())


def held(programme: Programme, corpus: str) -> bool:
    """Whether the knowledge base's plain text (`corpus`, padded with spaces) names it."""
    return any(f" {s} " in corpus for s in programme.spellings)
