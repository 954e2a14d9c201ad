"""A service's eligibility, read from its own sentences: what a draft proposes for a service
specification that came without metadata (`waymark/drafting.py`; the referral route is
`waymark/referral_route.py`).

Each value comes with the sentence it was read from. Ages are told apart by whose they are,
districts and school years spelt out, negations read only just before their cue.
"""

from __future__ import annotations

import re
from typing import Any

from waymark.models import DISTRICT_IN_TEXT
from waymark.tokens import NUMBER_WORD, any_of, number_value

_N = rf"(\d{{1,2}}|{NUMBER_WORD})"
# "from 1 April 2026" is a date, not an age ("may" left out: "aged 5 may attend")
_MONTH = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|june?|july?|aug(?:ust)?|"
          r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_UNIT = rf"\s*(months?|mths?|years?|yrs?)?(?!\s*(?:weeks?|wks?|days?|{_MONTH})\b)"
_AGE_RANGE = re.compile(rf"\b(?:aged|ages|age(?:\s+range)?)\s*[:\u00b7|]?\s*\(?"
                        rf"(?:from\s+|between\s+)?{_N}\s*(?:years?\s*)?"
                        rf"(?:to|-|\u2013|and|until)\s*{_N}{_UNIT}\b", re.IGNORECASE)
# "aged 18 months to 11 years", "from 6 months to 3 years": each bound with its own unit
_MIXED_RANGE = re.compile(r"\b(?:aged|ages|age|from)\s+(\d{1,2})\s*(months?|years?)\s+"
                          r"(?:to|until|up to)\s+(\d{1,2})\s*(months?|years?)\b", re.IGNORECASE)
# "young people 11 to 18": a range straight after the people it is about (figures only: "young
# people one to one" is not an age)
_PEOPLE_RANGE = re.compile(r"\b(?:young people|children|pupils|teenagers|babies|toddlers)\s+"
                           r"(\d{1,2})\s*(?:to|-|\u2013)\s*(\d{1,2})(\s*(?:months?|years?))?\b",
                           re.IGNORECASE)
_YEAR_OLDS = re.compile(r"\b(\d{1,2})\s*(?:to|-|\u2013)\s*(\d{1,2})[\s-]years?[\s-]olds?\b",
                        re.IGNORECASE)
_AGE_UNDER = re.compile(rf"\bunder(?:\s+the\s+age\s+of)?[\s-]+{_N}s?{_UNIT}\b"
                        rf"|\b{_N}{_UNIT}\s*and\s+under\b", re.IGNORECASE)
_AGE_FROM = re.compile(rf"\b(?:from|aged)\s+(?:the\s+age\s+of\s+|age\s+)?{_N}(?!\d){_UNIT}"
                       rf"(?:\s+(?:and|or)\s+(?:over|older|above)\b"
                       rf"|(?!\s*(?:to|-|\u2013|and|until|or)\b))", re.IGNORECASE)
_AGE_TURNS = re.compile(rf"\b(?:until|till|before|up to when)\s+(?:the|their|your|a|his or her)\s+"
                        rf"(?:child|baby|young person)\s+(?:turns|is)\s+{_N}\b"
                        r"(?!\s*(?:weeks?|wks?|months?|mths?|days?)\b)", re.IGNORECASE)
# "from pre-birth to their 18th birthday": from 0; "babies up to 6 months old": to 6 months
_FROM_BIRTH = re.compile(r"\bfrom\s+(?:pre-?birth|birth|conception)\b", re.IGNORECASE)
_UP_TO_OLD = re.compile(rf"\bup to (?:and including )?{_N}\s*(months?|years?)[\s-]+old\b",
                        re.IGNORECASE)
# "0-5s", "0–19s": children of those ages
_DECADES = re.compile(r"\b(\d{1,2})\s?[-\u2013]\s?(\d{1,2})s\b")
# national school stages: Key Stage 2 is Years 3 to 6 (ages 7 to 11), and so on
_KEY_STAGES = {"1": (5, 7), "2": (7, 11), "3": (11, 14), "4": (14, 16)}
_KEY_STAGE = re.compile(r"\b(?:key stage|ks)\s?([1-4])\b(?:\s*(?:and|to|-|\u2013)\s*"
                        r"(?:key stage|ks)?\s?([1-4])\b)?", re.IGNORECASE)
_SCHOOL_AGE = re.compile(r"\b(primary|secondary)[\s-](?:school[\s-])?age\b"
                         r"|\bbirth (?:to|until|up to) (?:school entry|(?:they )?start(?:ing)? "
                         r"school|school age)\b", re.IGNORECASE)
_SCHOOL_AGES = {"primary": (4, 11), "secondary": (11, 16), None: (0, 4)}
_AGE_PLUS = re.compile(r"\b(\d{1,2})\s?\+(?![\d\w])")
# "0-19 (25 with SEND)", "0-19, or up to 25 for young people with SEND": the widest range holds
_AGE_EXTENDED = re.compile(r"\b(?:up to |to )?(\d{2})\s+(?:with|for|if|where)\b[^.;)]{0,40}?"
                           r"\b(?:SEND|disabilit\w*|special educational needs|EHCP|an EHC plan)\b",
                           re.IGNORECASE)
_OF = any_of("of")
# a table row: "Age range · 6–30 months"
_AGE_LABEL = re.compile(r"^\s*age(?:\s+range)?\b", re.IGNORECASE | re.MULTILINE)
_AGE_OVER = re.compile(rf"\bover\s+(?:the\s+age\s+of\s+)?{_N}\b", re.IGNORECASE)
# "from Reception up to the end of Year 6": school years as ages (Reception starts at 4, a
# pupil ends Year N aged N + 5)
_SCHOOL_YEARS = re.compile(r"\b(reception|years?\s+r|years?\s+(\d{1,2}))\b[^.;]{0,20}?\b(?:to|"
                           r"until|up to|-|\u2013)\s*(?:the\s+end\s+of\s+)?(?:year\s+)?(\d{1,2})\b",
                           re.IGNORECASE)
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
             "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
             "seventeenth", "eighteenth", "nineteenth", "twentieth")
_AGE_BIRTHDAY = re.compile(r"\b(?:up to|until|before|to)\s+(?:their|his or her|(?:the|your) "
                           r"(?:child|baby|young person)'s)\s+"
                           rf"(\d{{1,2}}(?:st|nd|rd|th)|{'|'.join(_ORDINALS)})\s+birthday\b",
                           re.IGNORECASE)
_CHILD_WORDS = (r"child|children|young (?:people|person|carers?)|babies|baby|toddlers?|pupils?|"
                r"siblings?|year[\s-]olds?|under[\s-]\w+s|\d+s|teenagers?|families")
_CHILDREN = any_of(_CHILD_WORDS)
# "the Quenby Children's Safeguarding Partnership" names an organisation, not who may come
_NAMED_FOR_CHILDREN = re.compile(r"\b(?:Children|Young People|Families)(?:'s|\u2019s|')?"
                                 r"(?=\s+[A-Z])")
# An age in "young parents aged 16 to 24" is the parents', in "parents of children aged 3 to 11"
# the children's: the person named nearest before it says whose.
_PERSON_BEFORE = re.compile(rf"\b(?:(?P<child>{_CHILD_WORDS})|(?P<parent>parents?|mums?|"
                            rf"mothers?|dads?|fathers?|carers?|women|men|adults?))\b",
                            re.IGNORECASE)
NEGATION = re.compile(r"\b(?:not|no|cannot|can't|unable|excluded?|except)\b|n't\b",
                       re.IGNORECASE)
_PREGNANT = any_of(r"pregnan\w*", "expectant", "expecting a baby", "antenatal")
# "Expectant parents can use the service too", "expectant parents and parents of babies": one
# group among others, not a condition
_ALSO = any_of("too", "also", "as well", "welcome", "including", "and parents of", "or parents of",
               r"or (?:who (?:is|are) |are |is )?(?:expecting|pregnant)",
               r"unborn (?:baby|child)", r"pregnancy (?:until|to|through)",
               r"(?:and|or) (?:to )?(?:anyone|those|people|women|parents|families) "
               r"(?:who (?:is|are) )?(?:expecting|pregnant)")
# a sentence saying who the service is for (not "Pregnancy brings big changes")
_FOR_WHOM = any_of("for", r"eligib\w*", "must", "only", "who (?:are|is)", "open to", "aimed at",
                   "criteria", "excluded?", "not", "cannot", "can't", "works? with", r"referr\w*")
_PLACE = any_of("liv(?:e|es|ing)", "resident", "based", "postcodes?", "districts?", "covers?",
                "areas?")
_CONSENT = re.compile(r"\b(?:consent|permission)\b|\bagree(?:s|d)? to (?:the |a |being )?"
                      r"(?:referr\w*|refer|take part|taking part|support|sharing|share|"
                      r"information)\b|\b(?:with|without|their|your|the family's|parents'|"
                      r"parental|family's|written|verbal|informed)\s+agreement\b"
                      r"|\bagreement (?:of|from)\b|\b(?:has|have) agreed to (?:it|this)\b"
                      r"|\bask (?:a |the |their )?"
                      r"(?:parents?|carers?|family|young person)(?: or carers?)? to agree\b",
                      re.IGNORECASE)
_NO_NEED = any_of("(?:don't|do not|does not|doesn't|no) need")
NEGATION_WORDS = 3  # how far before a cue a negation still belongs to it


def _in_years(unit: str | None) -> float:
    return 1 / 12 if unit and unit.lower().startswith("m") else 1.0


def _birthday(ordinal: str) -> int:
    """18 for "18th" or "eighteenth"."""
    word = ordinal.lower()
    return _ORDINALS.index(word) + 1 if word in _ORDINALS else int(word[:-2])


def _number(text: str) -> int:
    return int(text) if text.isdigit() else number_value(text) or 0


def read_eligibility(sentences: list[str]) -> dict[str, tuple[Any, str]]:
    """Ages (the children's and the parents'), pregnancy, areas and consent, each with the
    sentence it came from."""
    # "Version 1.4 · Changes: age extended from under 1 to under 2" is history
    sentences = ["" if _CHANGE_NOTE.search(sentence) else "\n".join(
        line for line in sentence.splitlines() if not _CHANGE_LOG.search(line))
        for sentence in sentences]
    found = _read_ages(sentences)
    for sentence in sentences:
        if "pregnancy" not in found and _PREGNANT.search(sentence) \
                and _FOR_WHOM.search(sentence) and not _ALSO.search(sentence):
            found["pregnancy"] = ("excluded" if NEGATION.search(sentence) else "required",
                                  sentence)
        districts = _districts(sentence) or _defined_elsewhere(sentence, sentences)
        if "areas" not in found and _WHOLE_AREA.search(sentence) \
                and (_FOR_WHOM.search(sentence) or districts):
            found["areas"] = ([], sentence)
        elif "areas" not in found and districts and (_PLACE.search(sentence)
                                                     or len(districts) >= 2) \
                and (_PLACE.search(sentence) or not _VENUE.search(sentence)):
            found["areas"] = (districts, sentence)
        # "Do I need my parents' permission?" asks; the answer after it says
        if "consent_required" not in found and not asks(sentence) \
                and (match := _CONSENT.search(sentence)):
            found["consent_required"] = (not _consent_waived(sentence, match), sentence)
    if found.get("pregnancy", ("",))[0] == "required" and "child_age" in found:
        # a service that goes on working with children takes pregnancy as one way in
        del found["pregnancy"]
    return found


def _read_ages(sentences: list[str]) -> dict[str, tuple[Any, str]]:
    """The children's and the parents' ages: first from the sentences that say whom the
    service is for ("The service is for children aged 8 to 17"), before a definition ("a young
    carer is a person under 18") or a statistic ("600 young carers aged 5 to 17"); a bound one
    sentence leaves open may come from another ("aged 8 and over" ... "not over 16")."""
    found: dict[str, tuple[Any, str]] = {}
    for sentence in sorted(sentences, key=lambda s: not _STATES_WHOM.search(s)):
        for whose, age in _ages(sentence):
            if whose not in found:
                found[whose] = (age, sentence)
                continue
            known, source = found[whose]
            merged = {**age, **known}
            if merged != known and merged.get("min_years", 0) <= merged.get(
                    "max_years", float("inf")):
                found[whose] = (merged, f"{source} {sentence}")
    return found


_STATES_WHOM = any_of(r"(?:is|are) (?:only )?(?:for|open to|aimed at|available to)",
                      r"eligib\w*", r"works? with", "who can (?:use|come|join|get|be referred)")
# a row of a version history or a summary of changes
_CHANGE_LOG = re.compile(r"\b(?:summary of )?changes?\s*:|\bversion\s*:?\s*\d", re.IGNORECASE)
# "The main change is the addition of ... a group for parents of under-5s": all of it history
_CHANGE_NOTE = re.compile(r"\bchanges? (?:is|are|since|from (?:version|the previous))\b",
                          re.IGNORECASE)
_FULL_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d{1,2}[A-Z]?\s+\d[A-Z]{2}\b")
# "anywhere in Kestrel Cross", "all Marlow postcodes", "across the borough": no area limit
_WHOLE_AREA = re.compile(r"\b(?:anywhere in|any postcode|"
                         r"all (?:of )?(?:the )?[A-Z][\w ]{0,30}?postcodes|"
                         r"(?:across|throughout) the (?:whole )?(?:borough|county|city|district)|"
                         r"borough-wide|county-wide|citywide|city-wide|the whole of (?-i:[A-Z])|"
                         r"(?:all|any|each|every)\s+(?:one\s+)?(?:of\s+)?(?:the\s+|its\s+|"
                         r"our\s+)?(?:\w+\s+){0,2}?(?:postcode\s+)?districts|"
                         r"outside (?-i:[A-Z])|"
                         r"(?:any|every|all) (?:households?|famil(?:y|ies)|parents?|carers?|one|"
                         r"young (?:person|people)|residents?|child(?:ren)?)\b[^.;]{0,40}?"
                         r"\b(?:in|across) (?-i:[A-Z]))", re.IGNORECASE)
# where sessions are held, not who may come ("Family hub: Millbeck Family Hub, RV2 · Day: ...")
_VENUE = any_of("run at", "runs at", "held at", "held in", "meets? at", r"venues?", "day",
                "time", r"\d{1,2}(?:[.:]\d{2})?\s?(?:am|pm)", r"hubs?", "library", "centre")
_DISTRICT_RANGE = re.compile(r"\b([A-Z]{1,2})(\d{1,2})\s*(?:-|\u2013|to)\s*(?:\1)?(\d{1,2})\b")


def _districts(sentence: str) -> list[str]:
    """Postcode districts in the order named, a range ("BV1-BV4", "BV5 to BV8") spelt out;
    full postcodes (an address: "KX4 7LP") left out."""
    sentence = _FULL_POSTCODE.sub(" ", sentence)
    found: list[str] = []
    cursor = 0
    for match in _DISTRICT_RANGE.finditer(sentence):
        found += DISTRICT_IN_TEXT.findall(sentence[cursor:match.start()])
        area, low, high = match.group(1), int(match.group(2)), int(match.group(3))
        found += [f"{area}{n}" for n in range(low, high + 1)] if low < high else \
            DISTRICT_IN_TEXT.findall(match.group())
        cursor = match.end()
    found += DISTRICT_IN_TEXT.findall(sentence[cursor:])
    return list(dict.fromkeys(found))


# "anywhere in Tarrowby except the Fellside locality (TY7 and TY8)"
_EXCEPT = any_of("except", "excluding", "apart from", "other than", "but not")


def districts_excepted(sentence: str) -> list[str]:
    """The districts a whole-area sentence leaves out ("anywhere in Tarrowby except the
    Fellside locality (TY7 and TY8)"); which districts remain, only the knowledge base can say
    (`waymark/whole_area.py`)."""
    cue = _EXCEPT.search(sentence)
    return _districts(re.split(r"[.;]", sentence[cue.end():])[0]) if cue else []


# "families who live in the Coast Locality, as defined in Appendix A": listed there
_DEFINED_IN = re.compile(r"\b(?:defined|set out|listed|shown|described)\s+(?:in|at)\s+"
                         r"((?:appendix|annex|schedule)\s+\w+)", re.IGNORECASE)
LISTING_REACH = 5  # sentences between a reference's heading and the districts it lists


def _defined_elsewhere(sentence: str, sentences: list[str]) -> list[str]:
    """The districts listed under the appendix (annex, schedule) a sentence refers to."""
    reference = _DEFINED_IN.search(sentence)
    if not reference or not _PLACE.search(sentence):
        return []
    label = re.compile(rf"\b{re.escape(reference.group(1))}\b", re.IGNORECASE)
    starts = [i for i, other in enumerate(sentences)
              if label.search(other) and not _DEFINED_IN.search(other)]
    found: list[str] = []
    for other in sentences[starts[0]:starts[0] + LISTING_REACH] if starts else []:
        if found and not _districts(other):
            break
        found += _districts(other)
    return list(dict.fromkeys(found))


def _consent_waived(sentence: str, cue: re.Match[str]) -> bool:
    """"No consent form", "No consent is needed", "you don't need permission" — but not "will
    not accept a request where the family has not given consent"."""
    before = _words_before(sentence, cue.start())
    after = " ".join(sentence[cue.end():].split()[:NEGATION_WORDS])
    return bool(_NO_NEED.search(sentence[:cue.start()]) or _NO.search(before)
                or _NOT_NEEDED.match(sentence[cue.end():])) \
        or (bool(NEGATION.search(before)) and bool(_REQUIRE.search(f"{before} {after}")))


_NO = re.compile(r"\bno\s*$", re.IGNORECASE)
# "Parental consent is not needed for a referral"
_NOT_NEEDED = re.compile(r"\s*(?:is|are)\s+not\s+(?:needed|required|necessary)\b"
                         r"|\s*(?:isn't|aren't)\s+(?:needed|required|necessary)\b", re.IGNORECASE)
_REQUIRE = any_of(r"need\w*", r"requir\w*", "necessary", "have to", r"ask\w*")


def _words_before(sentence: str, start: int) -> str:
    return " ".join(sentence[:start].split()[-NEGATION_WORDS:])


def negated_before(sentence: str, start: int) -> bool:
    """A negation among the few words just before `start` ("no consent form", "cannot refer")."""
    return bool(NEGATION.search(_words_before(sentence, start)))


def asks(text: str) -> bool:
    """A question ("How do I book?", "Do I need permission?"): the answer after it says."""
    return text.rstrip().endswith("?")


def _ages(sentence: str) -> list[tuple[str, dict[str, float]]]:
    """Each age bound the sentence states, as ("child_age" or "parent_age", bounds): whose it
    is is read from the words just before it."""
    found: list[tuple[int, dict[str, float]]] = []
    taken: list[range] = []

    def add(match: re.Match[str], bounds: dict[str, float], at: int | None = None) -> None:
        if not any(match.start() in span for span in taken):
            found.append((match.start() if at is None else at, bounds))
            taken.append(range(match.start(), match.end()))

    for match in _MIXED_RANGE.finditer(sentence):
        add(match, {"min_years": int(match.group(1)) * _in_years(match.group(2)),
                    "max_years": int(match.group(3)) * _in_years(match.group(4))})
    for pattern in (_AGE_RANGE, _PEOPLE_RANGE):
        for match in pattern.finditer(sentence):
            scale = _in_years(match.group(3))
            add(match, {"min_years": _number(match.group(1)) * scale,
                        "max_years": _number(match.group(2)) * scale},
                at=match.start(1) if pattern is _PEOPLE_RANGE else None)
    for match in _YEAR_OLDS.finditer(sentence):  # "8 to 17 year olds"
        add(match, {"min_years": int(match.group(1)), "max_years": int(match.group(2))})
    for match in _SCHOOL_YEARS.finditer(sentence):
        first = 4 if match.group(2) is None else int(match.group(2)) + 4  # Reception, Year R
        add(match, {"min_years": first, "max_years": int(match.group(3)) + 5})
    for match in _AGE_BIRTHDAY.finditer(sentence):
        add(match, {"max_years": _birthday(match.group(1)) - 0.01})
    for match in _AGE_UNDER.finditer(sentence):
        number, unit = (match.group(1), match.group(2)) if match.group(1) else \
            (match.group(3), match.group(4))
        add(match, {"max_years": _number(number) * _in_years(unit) - 0.01})
    for match in _AGE_FROM.finditer(sentence):
        add(match, {"min_years": _number(match.group(1)) * _in_years(match.group(2))})
    for match in _AGE_TURNS.finditer(sentence):
        add(match, {"max_years": _number(match.group(1)) - 0.01})
    for match in _DECADES.finditer(sentence):
        add(match, {"min_years": int(match.group(1)), "max_years": int(match.group(2))})
    for match in _KEY_STAGE.finditer(sentence):
        low, high = _KEY_STAGES[match.group(1)][0], _KEY_STAGES[match.group(2) or
                                                               match.group(1)][1]
        add(match, {"min_years": low, "max_years": high})
    for match in _SCHOOL_AGE.finditer(sentence):
        stage = match.group(1).lower() if match.group(1) else None
        add(match, {"min_years": _SCHOOL_AGES[stage][0], "max_years": _SCHOOL_AGES[stage][1]})
    for match in _UP_TO_OLD.finditer(sentence):
        add(match, {"max_years": _number(match.group(1)) * _in_years(match.group(2))})
    for match in _FROM_BIRTH.finditer(sentence):
        add(match, {"min_years": 0})
    for match in _AGE_PLUS.finditer(sentence):
        add(match, {"min_years": int(match.group(1))})
    for match in _AGE_OVER.finditer(sentence):
        if NEGATION.search(sentence[:match.start()]):  # "cannot accept ... over 16"
            add(match, {"max_years": _number(match.group(1))})
    found.sort(key=lambda item: item[0])
    for match in _AGE_EXTENDED.finditer(sentence):
        # "0-19 (25 with SEND)": the range before it reaches further
        before = [age for start, age in found if start < match.start() and "max_years" in age]
        if before:
            before[-1]["max_years"] = max(before[-1]["max_years"], int(match.group(1)))
    ages = []
    for start, age in found:
        window = sentence[max(0, start - 40):start]
        named = list(_PERSON_BEFORE.finditer(window))
        # "parents of under 5s" is about the children
        if named and named[-1].group("parent") and not _OF.search(window[named[-1].end():]):
            ages.append(("parent_age", age))
        elif _CHILDREN.search(_NAMED_FOR_CHILDREN.sub(" ", sentence)) \
                or _AGE_LABEL.search(sentence):
            ages.append(("child_age", age))
    return ages
