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

from waymark.phrases import words
from waymark.terms import STOPWORDS, stem

_NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
                 "fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|"
                 "fifty|sixty|hundred|thousand|dozen|a few|several")
_NUMBER = rf"(?:\d[\d,.]*|{_NUMBER_WORDS})"
_DAYS = r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?"
_UNITS = r"(?:minutes?|hours?|days?|weeks?|months?|years?|sessions?|visits?|terms?)"


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # what the guidance would have to give, for a refusal ("an opening time")
    question: re.Pattern[str]
    evidence: re.Pattern[str]
    strict: bool  # a document either states this or cannot answer
    exact: bool = True  # a value ("9am", "six months") worth looking for beyond the passages
    asking: frozenset[str] = frozenset()  # words asking for the kind, not naming a topic


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Checked in order: the first kind whose question pattern matches is the one asked for.
KINDS = (
    Kind("phone", "a phone number",
         _re(r"\b(?:phone|telephone|tel|contact|helpline|duty)\s+(?:number|no)\b"
             r"|\bnumbers?\s+(?:for|to ring|to call)\b|\bwhat(?:'s| is) the number\b"
             r"|\bnumber\W*$|\bwho (?:do|should|can) (?:i|we) (?:ring|call|phone)\b"),
         _re(r"(?:\+\d{1,3}[\s-]?|\b0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}\b"
             r"|\b(?:999|111|101|112|911)\b"),
         strict=True,
         asking=_words("phone telephone tel number numbers contact helpline ring call")),
    Kind("email", "an email address", _re(r"\be-?mail\b"), _re(r"[\w.+-]+@[\w-]+\.\w"),
         strict=True,
         asking=_words("email mail address")),
    Kind("time", "opening times",
         _re(r"\b(?:what|wat|wot) times?\b|\btimes?\b.*\bopen\b|\bopening (?:hours|times)\b"
             r"|\bhours\b.*\bopen\b|\bopen\b.*\bhours\b|\bwhen (?:is|are|does|do)\b.*\bopen\b"),
         _re(rf"\b\d{{1,2}}(?:[.:]\d{{2}})?\s?(?:am|pm)\b|\b\d{{1,2}}:\d{{2}}\b|\b{_DAYS}\b|\bweekdays?\b"
             rf"|\b{_NUMBER} days a week\b|\b(?:every day|daily|weekends?|mornings|afternoons)\b"
             r"|\b(?:midday|noon|midnight)\b"
             r"|\b24 hours\b|\b24/7\b|\bround the clock\b"),
         strict=True,
         asking=_words("time times hour hours open opening")),
    Kind("income", "an income limit",
         _re(r"\b(?:income|earnings|salary|wages?|savings|capital)\s+(?:limits?|thresholds?"
             r"|caps?)\b"),
         _re(r"£\s?\d|\b\d[\d,.]*\s?(?:pounds|k)\b"),
         strict=True,
         asking=_words("limit limits threshold thresholds cap caps")),
    Kind("money", "a cost or amount",
         _re(r"\bhow much\b.*\b(?:cost|pay|charge|fee|money|fund|grant|give|spend|worth)"
             r"|\b(?:cost|costs|price|fees?|charges?)\b"),
         _re(r"£\s?\d|\b\d[\d,.]*\s?(?:pounds|p)\b|\bfree\b|\bno (?:charge|cost|fee)\b"
             r"|\bcharges?\b|\bcosts?\b"),
         strict=True,
         asking=_words("cost costs price fee fees charge charges pay much")),
    Kind("count", "a number", _re(r"\bhow many\b|\bwhat number of\b"),
         _re(rf"\b{_NUMBER}\b"), strict=True,
         asking=_words("many number")),
    Kind("frequency", "how often",
         _re(r"\bhow (?:often|frequently|regularly)\b"),
         _re(r"\bevery\b|\b(?:weekly|fortnightly|monthly|daily|annually|yearly|quarterly)\b"
             r"|\b(?:once|twice|\w+ times) (?:a|per|each)\b|\bat least\b"),
         strict=False),
    Kind("duration", "how long",
         _re(r"\bhow long\b|\bhow soon\b|\bwhat timescale\b|\bduration\b"),
         _re(rf"\b{_NUMBER}(?:\s*(?:to|-|\u2013|or|and)\s*{_NUMBER})?(?:\s+\S+)?\s+{_UNITS}\b"
             r"|\b(?:same day|straight away|immediately)\b"),
         strict=False),
    Kind("age", "an age",
         _re(r"\bwhat ages?\b|\bhow old\b|\bage (?:range|limit|group|criteria)\b|\bages\b"),
         _re(rf"\bage[ds]?\s+(?:of\s+|between\s+|from\s+)?{_NUMBER}"
             rf"|\b(?:under|over|up to)\s+(?:the age of\s+{_NUMBER}"
             rf"|{_NUMBER}\s*(?:years?|months?|s)\b)"
             rf"|\b(?:children|child|people|aged)\s+(?:under|over|up to)\s+{_NUMBER}\b"
             rf"|\b{_NUMBER}\s*(?:to|-|\u2013)\s*{_NUMBER}\s*(?:years?|months?)\b"
             rf"|\b{_NUMBER}\s*(?:years?|months?) old\b|\b(?:older|younger) than\b"),
         strict=False,
         asking=_words("age ages limit limits range ranges old")),
    Kind("finding", "a finding",
         _re(r"\b(?:find|found|show|showed|conclude|report)\b.*\??$|\bfindings?\b|\bresults?\b"
             r"|\b(?:does|did|do) .*\bwork\b|\bevidence\b|\beffective\b|\bevaluation\b"),
         _re(r"\b(?:found|finds|showed|shows|shown|reduc\w*|increas\w*|improv\w*|significant\w*"
             r"|no difference|no effect|effects?|concluded|achieved|weak|strong)\b|\d+\s?%"
             r"|\bper cent\b"),
         strict=False, exact=False),
    Kind("reason", "a reason",
         _re(r"^\W*why\b|\bwhy (?:can|can't|cannot|do|does|don't|is|isn't|are|should|would|not)\b"
             r"|\bwhat is the reason\b"),
         _re(r"\bbecause\b|\bso that\b|\bsince\b|\bas a result\b|\bin order to\b|\breason\b"
             r"|\bcan (?:increase|put|make|lead|cause)\b"),
         strict=False, exact=False),
)

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


@dataclass(frozen=True)
class Asked:
    kind: Kind
    subject: frozenset[str] = frozenset()  # stems one of which the fact's sentence must hold
    period: bool = False  # the question asks about a period ("last year"): the fact must name one

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
        if self.period and not _PERIOD_STATED.search(sentence):
            return False
        if self.kind.name == "count" and self.subject:
            return _counts(sentence, self.subject)
        if self.subject:
            held = {stem(w) for w in words(f"{sentence} {context}")}
            return bool(_widen(self.subject) & held)
        return True


def asked(question: str) -> list[Asked]:
    """The kinds of fact `question` asks for ("opening hours, and who do I ring?": two)."""
    period = bool(_PERIOD_ASKED.search(question))
    return [Asked(kind, _subject(kind, question), period) for kind in KINDS
            if kind.question.search(question)]


def _subject(kind: Kind, question: str) -> frozenset[str]:
    if kind.name == "time":
        for pattern in _TIME_SUBJECT:
            match = pattern.search(question)
            if match and (head := _head(match.group("subject"))):
                return frozenset({head})
    match = _COUNT_SUBJECT.search(question) if kind.name == "count" else None
    if match and (head := _head(match.group("subject"), first=True)):
        return frozenset({head})
    return frozenset()


def _head(phrase: str, first: bool = False) -> str | None:
    """The noun a phrase is about: its last content word, or for "how many health visitors
    work..." the first plural among the next three words."""
    content = [w for w in re.findall(r"[a-z]+", phrase.lower()) if w not in STOPWORDS]
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


def _widen(stems: frozenset[str]) -> set[str]:
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
