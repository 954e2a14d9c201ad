"""Content words of a question or sentence, stemmed, for matching them against each other."""

from __future__ import annotations

from functools import lru_cache

from waymark.phrases import fold, words

# Function words and question scaffolding: they say nothing about what the guidance must cover.
_FUNCTION_WORDS = frozenset("""
a about above after again all also am an and any are as at be because been before being below
between both but by can could did do does doing done down during each few for from further get
gets got had has have having he her here hers him his how i if in into is it its itself just me
might more most my no nor not now of off on once only or other our ours out over own same she
should so some such than that the their theirs them then there these they this those through to
too under until up very was we were what when where which while who whom why will with would you
your yours yourself anyone someone something anything tell know need needs want wants please
pls thanks thank hi hello ok okay u ur im i'm i've we're there's what's it's whats hows
can't cannot don't doesn't didn't isn't aren't wasn't haven't hasn't won't wouldn't shouldn't
couldn't they're you're who've we've they've i'd i'll she's he's that's actually really anyway
just still even maybe quite soon latest also currently usually basically info ring call phone
himself herself themselves myself yourselves lovely strictly pretty very much many lot lots
""".split())
# Typed without the apostrophe ("doesnt", "hes", "theyre") they are the same words; "we'll",
# "i'd" and the like are left out: without it they are other words ("well", "id", "ill").
_UNAPOSTROPHISED = frozenset(w.replace("'", "") for w in _FUNCTION_WORDS
                             if w.endswith(("n't", "'s", "'re", "'ve", "'m")))
# Words arrive folded ("does" -> "doe", "themselves" -> "themselve"): both forms are stopwords.
STOPWORDS = (_FUNCTION_WORDS | _UNAPOSTROPHISED
             | frozenset(fold(w) for w in _FUNCTION_WORDS | _UNAPOSTROPHISED))

_SUFFIXES = ("ations", "ation", "ions", "ion", "ments", "ment", "ness", "ances", "ance",
             "ences", "ence", "ings", "ing", "edly", "ers", "er", "ed", "ly", "ies", "es", "s")


_VOWELS = set("aeiou")


@lru_cache(maxsize=1 << 16)  # every word of every retrieved sentence passes here
def stem(word: str) -> str:
    """A light suffix stripper: 'attending', 'attendance' and 'attends' all give 'attend'."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    if len(word) >= 4 and word[-2:] in ("ed", "es") and word[-3] not in _VOWELS \
            and word[-4] in _VOWELS:
        return word[:-1]  # too short to strip: 'aged' and 'ages' are still 'age' ('need' stays)
    return word


def content_terms(text: str) -> list[str]:
    """Stems of the words that carry meaning, in order, without repeats."""
    return list(_content_terms(text))


@lru_cache(maxsize=4096)  # the same passages come back for many questions
def _content_terms(text: str) -> tuple[str, ...]:
    return tuple(surface_forms(text))


def surface_forms(text: str) -> dict[str, str]:
    """Each stem of `content_terms`, in order, with the first word that gave it. The lexical
    index stems words its own way (Porter), so it is asked about the word, not this stem."""
    seen: dict[str, str] = {}
    for word in words(text):
        if word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            seen.setdefault(stem(word), word)
    return seen
