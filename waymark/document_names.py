"""Which documents a question names. "Can Steps work with him?" is about the Steps Family
Service, and "what times is the Early Talk line open?" about Early Talk, even when another
document's passage happens to rank first.

A document's names come from its title: the part before a subtitle (" - ", ":"), the parts of
it separated by commas, short parenthesised aliases ("(SENDIASS)", "(Leeds Family Valued)") and
the acronyms of each name's runs of words ("Early Help Assessment" gives "EHA"; two letters,
"IY", only count when the question writes them in capitals).
A question names a document when it repeats a run of one of these names that few documents
share and that is not everyday vocabulary of the knowledge base. One word of a longer name
names it only when written with its capital ("Steps") or used by no other document's text
("chatterbox"), or when the question points at it as a document ("... in the threshold?").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from waymark.phrases import words
from waymark.store import Snapshot
from waymark.terms import STOPWORDS, stem
from waymark.tokens import cased_words

MAX_SHARED = 2  # a run of several words may name up to this many documents ("Incredible Years")
MAX_CHUNK_SHARE = 0.2  # a phrase in more of the chunks than this is vocabulary, not a name
MIN_ACRONYM = 2  # letters
SHOUTED_ACRONYM = 3  # shorter ones ("IY", "HV") name a document only when written in capitals
MAX_ALIAS_WORDS = 4  # longer parentheses describe ("(targeted early help, level 3)") not name
_SUBTITLE = re.compile(r"\s[-\u2013\u2014:]\s|:\s")
_PARENS = re.compile(r"\(([^()]*)\)")
_JOINERS = {"of", "and", "the", "for", "&"}
# "... in the threshold?", "what does the threshold say", "the guide says": a document pointed at
_REFERENCE = re.compile(
    r"\b(?:in|according to|under) the ((?:[\w'-]+ ){0,2}[\w'-]+)\W*$"
    r"|\b(?:does|do|did) the ((?:[\w'-]+ ){0,2}?[\w'-]+) (?:say|state|define|describe)\b"
    r"|\bthe ((?:[\w'-]+ ){0,2}?[\w'-]+) (?:says|states|defines|describes)\b"
    # "can steps work with him?": what would work with a family is a service
    r"|\b(?:can|could|will|would|does|do) (?:the )?((?:[\w'-]+ ){0,2}?[\w'-]+) (?:work with"
    r"|help|see|support|visit|take|accept)\b", re.IGNORECASE)


def _stems(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(text) if w not in STOPWORDS and w.isalpha())


def names_of(title: str) -> list[tuple[str, ...]]:
    """The names a title gives its document, each as a sequence of stemmed words: its runs of
    capitalised words ("Family Nurse Partnership", "Threshold of Need"), not the description
    around them ("... training for health visitors")."""
    aliases = [part for inside in _PARENS.findall(title) for part in inside.split(",")
               if _is_proper(part)]
    head = _SUBTITLE.split(_PARENS.sub(" ", title), maxsplit=1)[0]
    names = []
    for part in [*_capitalised_runs(head), *aliases]:
        stems = _stems(part)
        if stems:
            names.append(stems)
        names += _acronyms(part)
    return names


def _acronyms(name: str) -> list[tuple[str, ...]]:
    """"Early Help Assessment" is "EHA" and "Northbrook Targeted Youth Support" also "TYS"."""
    initials = "".join(w[0].lower() for w in cased_words(name) if w.lower() not in STOPWORDS)
    return [(initials[i:j],) for i in range(len(initials))
            for j in range(i + MIN_ACRONYM, len(initials) + 1)]


def _capitalised_runs(text: str) -> list[str]:
    """Runs of capitalised words, joined across "of", "and", "the" ("Team Around the Family");
    a lone capital at the start is only the title's first word ("Reducing parental ...")."""
    runs: list[str] = []
    run: list[str] = []
    tokens = re.findall(r"[\w'-]+|[^\w\s]", text)
    for i, token in enumerate([*tokens, "."]):
        if token[:1].isupper() or (run and token.lower() in _JOINERS):
            run.append(token)
            continue
        while run and run[-1].lower() in _JOINERS:
            run.pop()
        content = [w for w in run if w.lower() not in STOPWORDS]
        capitals = sum(w[:1].isupper() for w in run)  # "Threshold of Need": two
        first_word_only = capitals == 1 and i == len(run) and not run[0].isupper()
        if content and not first_word_only:
            runs.append(" ".join(run))
        run = []
    return runs


def _is_proper(part: str) -> bool:
    """A parenthesised name ("Safer Homes", "SENDIASS"), not a description ("level 3")."""
    content = [w for w in cased_words(part) if w.lower() not in STOPWORDS]
    return 0 < len(content) <= MAX_ALIAS_WORDS and all(w[0].isupper() for w in content)


def _runs(name: tuple[str, ...]) -> set[tuple[str, ...]]:
    return {name[i:j] for i in range(len(name)) for j in range(i + 1, len(name) + 1)}


@dataclass(frozen=True)
class Naming:
    """How strongly a question names a document: the longest distinctive run of one of its
    names, then how many other words of its names the question uses."""

    run: int
    extra: int


class Names:
    """The names of a knowledge base's documents. `chunk_share` tells what share of the stored
    chunks use a phrase: a run most documents use ("early help") is the area's vocabulary, not
    a name; `documents_using` tells how many documents use a word anywhere in their text."""

    def __init__(self, snapshot: Snapshot, chunk_share: Callable[[str], float],
                 documents_using: Callable[[str], int]) -> None:
        self.names = {doc_id: names_of(doc.meta.title)
                      for doc_id, doc in snapshot.documents.items()}
        # "FNP" stands for a run of words, and may name as many documents as the run does
        self.acronyms = {name for doc_id, doc in snapshot.documents.items()
                         for name in self.names[doc_id]
                         if len(name) == 1 and name[0] not in _stems(doc.meta.title)}
        # the lexical index stems its own way: it is asked about the titles' words, not stems
        self.title_words = {stem(w): w for doc in snapshot.documents.values()
                            for w in reversed(words(doc.meta.title))}
        self.chunk_share = chunk_share
        self.documents_using = documents_using
        self.sharing: dict[tuple[str, ...], set[str]] = {}
        # the names of a document that hold a run, by (run, document): a question is matched
        # through its own runs rather than through every name of every document
        self.holding: dict[tuple[tuple[str, ...], str], list[tuple[str, ...]]] = {}
        for doc_id, names in self.names.items():
            for name in names:
                for run in _runs(name):
                    self.sharing.setdefault(run, set()).add(doc_id)
                    self.holding.setdefault((run, doc_id), []).append(name)
        self._common: dict[tuple[str, ...], bool] = {}
        self._own: dict[str, bool] = {}

    def _distinctive(self, run: tuple[str, ...], name: tuple[str, ...], q: _Question) -> bool:
        shared = len(self.sharing.get(run, ()))
        if not 0 < shared <= (1 if len(run) == 1 and run not in self.acronyms else MAX_SHARED):
            return False
        if len(run) == 1 and len(run[0]) < SHOUTED_ACRONYM and run[0] not in q.shouted:
            return False  # "ne" or "sa" may be anything; "IY" is Incredible Years
        if set(run) <= q.referenced:
            return True  # "what does the threshold say about ...": the asker points at it
        own = len(run) == 1 and self._only_one_uses(q.written.get(run[0], ""))
        if len(run) == 1 and len(name) > 1 and run[0] not in q.capitalised and not own:
            return False  # "signs of postpartum psychosis" does not name Signs of Safety
        if own:
            return True  # a word no other document uses is a name, whatever its chunk share
        if run not in self._common:
            phrase = " ".join(self.title_words.get(s, s) for s in run)
            self._common[run] = self.chunk_share(phrase) > MAX_CHUNK_SHARE
        return not self._common[run]

    def _only_one_uses(self, word: str) -> bool:
        if word not in self._own:
            self._own[word] = bool(word) and self.documents_using(word) == 1
        return self._own[word]

    def named_in(self, question: str) -> dict[str, Naming]:
        """The documents `question` names."""
        q = _Question.of(question)
        best: dict[str, int] = {}
        for run in _runs(q.stems):
            for doc_id in self.sharing.get(run, ()):
                if len(run) > best.get(doc_id, 0) and any(
                        self._distinctive(run, name, q) for name in self.holding[(run, doc_id)]):
                    best[doc_id] = len(run)
        return {doc_id: Naming(best[doc_id], len({w for name in names for w in name}
                                                 & set(q.stems)) - best[doc_id])
                for doc_id, names in self.names.items() if doc_id in best}


@dataclass(frozen=True)
class _Question:
    stems: tuple[str, ...]
    capitalised: frozenset[str]  # stems of words written with a capital, past the first
    written: dict[str, str]  # each stem as the question wrote it
    shouted: frozenset[str]  # words written in capitals ("IY")
    referenced: frozenset[str]  # stems of what the question points at as a document

    @classmethod
    def of(cls, question: str) -> _Question:
        referenced = {word for match in _REFERENCE.finditer(question)
                      for word in _stems(next(g for g in match.groups() if g))}
        return cls(_stems(question),
                   frozenset(stem(w.lower()) for w in cased_words(question)[1:]
                             if w[:1].isupper()),
                   {stem(w): w for w in words(question)},
                   frozenset(w.lower() for w in cased_words(question) if w.isupper()),
                   frozenset(referenced))
