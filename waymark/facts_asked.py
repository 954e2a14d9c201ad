"""What kind of fact a question asks for, and whether a sentence states one.

"What time is the phone line open?" wants a time, "how many sessions?" a count of sessions,
"what did the trial find?" a finding. The answer should lead with a sentence that states that
kind of fact; and for the kinds a document either states or does not (times, counts, amounts of
money, phone numbers, email addresses), guidance that never states one cannot answer the
question, however close its words are ("how many health visitors work in NB7?").

The patterns describe English questions and the shapes of facts, not any knowledge base.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from waymark.phrases import words
from waymark.terms import STOPWORDS, stem
from waymark.tokens import NUMBER_WORD, plain_words, tokens

_NUMBER = rf"(?:\d[\d,.]*|{NUMBER_WORD}|hundred|thousand|dozen|a few|several)"
_DAYS = r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?"
_UNITS = r"(?:minutes?|hours?|days?|weeks?|months?|years?|sessions?|visits?|terms?)"
KINDS_FILE = Path(__file__).parent / "data" / "fact_kinds.yaml"


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # what the guidance would have to give, for a refusal ("an opening time")
    question: re.Pattern[str]
    evidence: re.Pattern[str]
    strict: bool  # a document either states this or cannot answer
    exact: bool = True  # a value ("9am", "six months") worth looking for beyond the passages
    over_a_period: bool = False  # a period the question names is the period of the fact
    asking: frozenset[str] = frozenset()  # words asking for the kind, not naming a topic


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _any_of(patterns: list[str]) -> re.Pattern[str]:
    shared = {"${number}": _NUMBER, "${days}": _DAYS, "${units}": _UNITS}
    joined = "|".join(patterns)
    for name, pattern in shared.items():
        joined = joined.replace(name, pattern)
    return _re(joined)


def load_kinds(path: Path = KINDS_FILE) -> tuple[Kind, ...]:
    """The kinds of fact, in the order they are checked (the first whose question matches)."""
    return tuple(
        Kind(row["name"], row["label"], _any_of(row["question"]), _any_of(row["evidence"]),
             strict=row["strict"], exact=row.get("exact", True),
             over_a_period=row.get("over_a_period", False),
             asking=frozenset(row.get("asking", "").split()))
        for row in yaml.safe_load(path.read_text(encoding="utf-8")))


KINDS = load_kinds()

# Where the question names the thing whose time or count it wants ("opening hours of the hubs",
# "how many health visitors"), the fact must be about that thing.
_TIME_SUBJECT = (
    _re(r"\bopening (?:hours|times) (?:of|for|at) (?:the )?(?P<subject>[\w' -]+)"),
    _re(r"(?P<subject>[\w' -]+?)(?:'s)? opening (?:hours|times)\b"),
    _re(r"\b(?:what times?|when) (?:is|are|does|do) (?:the )?(?P<subject>[\w' -]+?) open\b"),
)
_COUNT_SUBJECT = _re(r"\b(?:how many|what number of) (?P<subject>[\w' -]+)")
# A phone line is the same thing however it is named.
_SAME = ({"phone", "telephone", "tel", "line", "helpline", "call", "ring"},)
_PERIOD_ASKED = _re(r"\b(?:last|this|next|past) (?:year|month|week|quarter)\b|\bso far\b"
                    r"|\b(?:in|during|since) (?:19|20)\d\d\b")
_PERIOD_STATED = _re(r"\b(?:19|20)\d\d\b|\b(?:last|this|each|every|per|a) (?:year|month|week|"
                     r"quarter)\b|\b(?:annual\w*|yearly|monthly|quarterly)\b")
_COUNT_BEFORE = 3  # a number counts a noun up to this many words after it ("12 weekly sessions")
# "front door number pls": courtesy at the end is not where a question's ask ends
_COURTESY = _re(r"(?:[\s,.!?-]+(?:pls|plz|please|thanks|thank you|thx|ta|cheers))+[\s.!?]*$")


@dataclass(frozen=True)
class Asked:
    kind: Kind
    subject: frozenset[str] = frozenset()  # stems one of which the fact's sentence must hold
    period: bool = False  # the question asks about a period ("last year"): the fact must name one
    own_words: frozenset[str] = frozenset()  # the question's words, lower-cased

    @property
    def strict(self) -> bool:
        return self.kind.strict

    @property
    def exact(self) -> bool:
        return self.kind.exact

    def stated_in(self, sentence: str, context: str = "") -> bool:
        """Whether `sentence` states the fact asked for; `context` (its headings, the document's
        title) may name the subject the sentence is about."""
        if not self.kind.evidence.search(sentence):
            return False
        if self.kind.name == "person" and not any(
                {w.lower() for w in m.group().split() if w[:1].isupper()} - self.own_words
                for m in self.kind.evidence.finditer(sentence)):
            return False  # "Orchard House is…" names the place asked about, not who runs it
        if self.period and not _PERIOD_STATED.search(sentence):
            return False
        if self.kind.name == "count" and self.subject:
            return _counts(sentence, self.subject)
        if self.subject:
            held = {stem(w) for w in words(f"{sentence} {context}")}
            return bool(_with_synonyms(self.subject) & held)
        return True


def asked(question: str) -> list[Asked]:
    """The kinds of fact `question` asks for ("opening hours, and who do I ring?": two)."""
    question = _COURTESY.sub("", question)
    period = bool(_PERIOD_ASKED.search(question))
    own = frozenset(tokens(question))
    return [Asked(kind, _subject(kind, question), period and kind.over_a_period, own)
            for kind in KINDS
            if kind.question.search(question)]


def _subject(kind: Kind, question: str) -> frozenset[str]:
    if kind.name == "time":
        for pattern in _TIME_SUBJECT:
            match = pattern.search(question)
            if match and (head := _subject_noun(match.group("subject"))):
                return frozenset({head})
    match = _COUNT_SUBJECT.search(question) if kind.name == "count" else None
    if match and (head := _subject_noun(match.group("subject"), first=True)):
        return frozenset({head})
    return frozenset()


def _subject_noun(phrase: str, first: bool = False) -> str | None:
    """The noun a phrase is about: its last content word, or for "how many health visitors
    work..." the first plural among the next three words."""
    content = [w for w in plain_words(phrase) if w.isalpha() and w not in STOPWORDS]
    if not content:
        return None
    if first:
        plural = [w for w in content[:3] if w.endswith("s") and not w.endswith("ss")]
        content = plural or content
        return _stem(content[0])
    return _stem(content[-1])


def _stem(word: str) -> str:
    """As a sentence's words are stemmed (`words` folds plurals first)."""
    return stem(words(word)[0])


def _with_synonyms(stems: frozenset[str]) -> set[str]:
    wide = set(stems)
    for group in _SAME:
        if stems & group:
            wide |= group
    return wide


def _counts(sentence: str, subject: frozenset[str]) -> bool:
    """A number stands within a few words before the counted noun ("up to 12 families")."""
    tokens = words(sentence)
    number = re.compile(rf"^{_NUMBER}$")
    for i, token in enumerate(tokens):
        before = tokens[max(0, i - _COUNT_BEFORE):i]
        if stem(token) in subject and any(number.match(t) for t in before):
            return True
    return False
