"""A service's referral route and whether families can ask themselves, read from its own
sentences: what a draft proposes for a service specification that came without metadata
(`waymark/drafting.py`; eligibility is `waymark/service_criteria.py`)."""

from __future__ import annotations

import re
from typing import Any

from waymark.service_criteria import NEGATION, asks, negated_before
from waymark.tokens import any_of

_SELF_REFERRAL = re.compile(r"\bself[- ]refer\w*|\brefer (?:themselves|(?:their|your) (?:child|"
                            r"family)) directly\b|\brefer themselves\b|\bno referral (?:is )?"
                            r"needed\b|\b(?:turn|drop) (?:up|in)\b|\bcome along\b|\bbook (?:their|"
                            r"your) own\b|\bfamilies can (?:contact|call|ring|email)\b"
                            r"|\b(?:get in touch|(?:contact|call|ring|text|email|phone|message)"
                            r"\s+(?:us|(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:team|service)))"
                            r"\s+(?:directly|themselves|yourself|yourselves)\b"
                            r"|\byou can (?:also )?book\b"
                            r"|\b(?:apply|book)\b[^.;]{0,40}?\b(?:yourself|yourselves|themselves)\b"
                            r"|\brefer (?:yourself|yourselves)\b|\bbook (?:a place |places )?"
                            r"(?:themselves|yourself)\b"
                            r"|\banyone can (?:refer|get in touch|contact)\b"
                            r"|\b(?:take|accept) referrals directly from (?:parents|families|"
                            r"carers|young people)\b|\b(?:from|by)\s+(?:young\s+people|parents|"
                            r"families|carers)\s+themselves\b|\bbook\s+directly\b"
                            r"|\b(?:do not|don't|does not|doesn't) need (?:a |to be )?referr\w*",
                            re.IGNORECASE)
# "Referrals are made by schools only": no way in for a family (unless the only ones are families)
_ONLY_FROM = re.compile(r"\breferr\w*\b[^.;]{0,40}?\b(?:by|from)\s+((?:[\w()]+\s+){1,4}?)only\b",
                        re.IGNORECASE)
# "Parents cannot refer directly", "Parents and carers can refer themselves"
_FAMILY_REFERS = re.compile(r"\b(?:parents?|famil(?:y|ies)|carers?|young people|mothers|fathers)"
                            r"(?:\s+(?:and|or)\s+(?:carers|parents|families))?\s+(?P<modal>"
                            r"can(?:not|'t| not)?|may(?: not)?|are (?:not |un)?able to)\s+"
                            r"(?:also\s+)?(?:self[- ]refer|refer|book|ask (?:us )?for (?:help|"
                            r"support)|get in touch|apply)\b", re.IGNORECASE)
# "The Front Door does not take requests from families directly", "(professionals only)"
_NOT_FROM_FAMILIES = re.compile(r"\b(?:does not|do not|doesn't|don't|cannot|can't|will not|"
                                r"won't)\s+(?:take|accept)\s+(?:referrals|requests)\s+"
                                r"(?:directly\s+)?from\s+(?:parents|families|carers|young people)"
                                r"|\b(?:professionals?|practitioners?|agencies) only\b"
                                r"|\bby\s+(?:an?\s+)?(?:[\w-]+\s+){0,3}referral only\b",
                                re.IGNORECASE)
_FAMILIES = any_of(r"parents?", r"famil\w*", "young people", r"carers?", "you")
_REFERRAL = re.compile(r"\brefer\w*\b.*\b(?:form|portal|online|email|call|phone|ring|"
                       r"through|via|using)\b", re.IGNORECASE)
_MECHANISM = re.compile(r"\b(?:form|portal|online|e-?mail\w*|call\w*|phon\w*|ring|text|"
                        r"through|via|using|drop[- ]in|book\w*)\b|@|\d{3,}", re.IGNORECASE)
_CONTACT = re.compile(r"@|\d{3,}|www\.|https?://|\b(?:form|portal|online|website)\b",
                      re.IGNORECASE)
MAX_ROUTE_WORDS = 40

_ROUTE_HEADING = any_of("how (?:to|do i|can i|do you|can you)", r"refer(?:ral|rals|ring|s)?",
                        r"book\w*", r"access\w*", "contact", "join", "get in touch", "apply")
_WHO = any_of("who")
# "How to ask: Through the school's DSL" — a table row or a labelled line that states the route
_ROUTE_LABEL = re.compile(r"^\s*(?:how (?:to|do i|can i) [\w ]{1,20}?|referrals?(?: route)?|"
                          r"to refer|access|booking|getting help)\s*[:\u00b7|]\s*(\S.{8,})$",
                          re.IGNORECASE | re.MULTILINE)
# "Text a school nurse on 07700 900 611": an instruction with a number, an address or a form
_GO_AHEAD = re.compile(r"\s*(?:just\s+)?(?:call|phone|ring|text|e-?mail|message|book|contact|"
                       r"fill in|complete|use)\b", re.IGNORECASE)
_PROFESSIONAL = any_of("professionals?", "practitioners?", "partners?", r"refer\w*", "submit")
_ADDRESS = re.compile(r"\S+@\S+|\b(?:https?://|www\.)\S+")  # "referrals@…" names no referrer
# not the main way in: a fallback ("If you still can't find it, email ..."), a second way
# ("can also text"), what happens after ("A worker will get back to you")
_FALLBACK = re.compile(r"^\s*(?:if|unless)\b", re.IGNORECASE)
_SECOND_WAY = any_of("also", "as well")
_AFTERWARDS = any_of(r"will (?:get back|contact|call|ring|text|reply|respond|be in touch|send)")
# "no need to book", "you do not need a referral": an open door, not a refusal
_OPEN_DOOR = re.compile(r"\b(?:no need|(?:do not|don't|does not|doesn't) need)\s+(?:to\s+)?"
                        r"(?:a\s+)?(?:book\w*|referr\w*|be referred|an? appointment)"
                        r"(?:\s+or\s+(?:be\s+)?(?:book\w*|referr\w*|referred))?"
                        r"|\bno\s+(?:referral|appointment)s?(?:\s+(?:is\s+)?needed)?",
                        re.IGNORECASE)


def _route_rank(text: str) -> tuple[bool, ...]:
    """Sort key: the sentence most like "the way in" first (stable, so order breaks ties)."""
    refusing = NEGATION.search(_OPEN_DOOR.sub(" ", text))
    contact = bool(_CONTACT.search(text))
    return (bool(_FALLBACK.match(text) or (_AFTERWARDS.search(text) and not contact)
                 or refusing), not contact, bool(_SECOND_WAY.search(text)))


def _route_among(under: list[str]) -> str:
    """The way in among the sentences under a route heading: the one most like a way in, a
    professionals' way before a family's own, and both when both are given."""
    professional = [t for t in under if _PROFESSIONAL.search(_ADDRESS.sub(" ", t))
                    and not NEGATION.search(t) and not _SELF_REFERRAL.search(t)
                    and not _route_rank(t)[0]]
    # a sentence that says how (a form, a line, an address) before one that only says who
    ways = sorted([t for t in under if _MECHANISM.search(t)] or under, key=_route_rank)
    route = professional[0] if _SELF_REFERRAL.search(ways[0]) and professional else ways[0]
    if route in professional:  # and the family's own way
        other = next((t for t in ways if t != route and _SELF_REFERRAL.search(t)
                      and _MECHANISM.search(t)), None)
    else:  # and the professionals' way
        other = next((t for t in professional if _CONTACT.search(t)), None)
    return f"{route} {other}" if other and not _SELF_REFERRAL.search(route) else route


def read_referral(placed: list[tuple[str, str, bool]]) -> dict[str, tuple[Any, str]]:
    """The route: a labelled route line, else the way in among the sentences under a "How to
    refer" (book, join, access...) heading; failing those, the first sentence that says how to
    refer or tells the reader whom to contact. Whether families can ask themselves."""
    found: dict[str, tuple[Any, str]] = {}
    stated = [(text, heading) for text, heading, is_heading in placed
              if not is_heading and not asks(text)]
    sentences = [text for text, _ in stated]
    labelled = next((match for text in sentences if (match := _ROUTE_LABEL.search(text))), None)
    under = [text for text, heading in stated
             if _ROUTE_HEADING.search(heading) and not _WHO.search(heading)
             and len(text.split()) <= MAX_ROUTE_WORDS]
    if labelled:
        found["route"] = (" ".join(labelled.group(1).split()), labelled.group())
    elif under:
        route = _route_among(under)
        found["route"] = (" ".join(route.split()), route)
    for sentence in sentences:
        if "self_referral" not in found and (match := _FAMILY_REFERS.search(sentence)):
            found["self_referral"] = (not NEGATION.search(match.group("modal")), sentence)
        if "self_referral" not in found and _NOT_FROM_FAMILIES.search(sentence):
            found["self_referral"] = (False, sentence)
        if "self_referral" not in found and (match := _SELF_REFERRAL.search(sentence)):
            found["self_referral"] = (not negated_before(sentence, match.start()), sentence)
        if "self_referral" not in found and (only := _ONLY_FROM.search(sentence)):
            found["self_referral"] = (bool(_FAMILIES.search(only.group(1))), sentence)
        if "route" not in found and len(sentence.split()) <= MAX_ROUTE_WORDS and (
                _REFERRAL.search(sentence) or _GO_AHEAD.match(sentence)
                and _CONTACT.search(sentence)):
            found["route"] = (" ".join(sentence.split()), sentence)
    return found
