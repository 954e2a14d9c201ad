"""Who a note mentions, in what role, at what age.

Practitioners name people ("Leah is 6 and Jayden is 3. Mum Shannon (23)…"), give ages in many
forms (7, (7), aged 7, 7-year-old, 18 months, turned 4 in June, Year 5, a date of birth), and
refer back with pronouns. The reader finds person mentions (role words and names), finds ages,
and binds each age to the mention it belongs to. It never guesses: an age it cannot bind stays
unbound, a year group gives no exact age, and every person keeps the words they came from.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

NUMBER_WORDS = {w: str(n) for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b(?=[\s-]*(?:years?|yrs?|yo\b|"
                          r"months?|mths?|weeks?|wks?|days?|-year|year-old))", re.I)

# role word -> (normalised role, is a child, is a parent figure)
_ROLES: dict[str, tuple[str, bool, bool]] = {}
for _words, _role, _child, _parent in [
    ("mum mom mam mummy mother mama", "mother", False, True),
    ("dad daddy father papa", "father", False, True),
    ("stepdad step-dad stepfather step-father", "stepfather", False, True),
    ("stepmum step-mum stepmother step-mother", "stepmother", False, True),
    ("parent", "parent", False, True),
    ("partner boyfriend girlfriend fiance fiancee husband wife", "partner", False, True),
    ("carer guardian", "carer", False, True),
    ("nan nana nanna gran granny grandma grandmother mother-in-law", "grandmother", False,
     False),
    ("grandad granddad grandpa grandfather father-in-law", "grandfather", False, False),
    ("aunt auntie aunty", "aunt", False, False),
    ("uncle", "uncle", False, False),
    ("son", "son", True, False), ("daughter", "daughter", True, False),
    ("baby infant newborn", "baby", True, False), ("toddler", "toddler", True, False),
    ("boy lad", "boy", True, False), ("girl", "girl", True, False),
    ("child kid", "child", True, False), ("pupil student", "pupil", True, False),
    ("teen teenager yp", "young person", True, False),
    ("young_person young_man", "young person", True, False),
    ("brother bro", "brother", True, False), ("sister sis", "sister", True, False),
    ("sibling", "sibling", True, False),
]:
    for _word in _words.split():
        _ROLES[_word.replace("_", " ")] = (_role, _child, _parent)

_PLURAL_CHILDREN = {"children": 0, "kids": 0, "teens": 0, "boys": 0, "girls": 0, "sons": 0,
                    "daughters": 0,
                    "siblings": 0, "twins": 2, "triplets": 3, "babies": 0, "parents": 0}
_ROLE_WORD = re.compile(r"\b(" + "|".join(sorted(
    [*_ROLES, *(w + "s" for w in _ROLES if not w.endswith("s")), *_PLURAL_CHILDREN],
    key=len, reverse=True)) + r")\b", re.I)
# a name is a run of capitalised words ("Sadia Begum"): surnames alone would merge a family
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?(?:\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?)*\b")
_NOT_NAMES = set("""
I A An The This That These Those He She They We You It His Her Their Our My Your Its Him Them
Mum Mom Dad Nan Gran Mr Mrs Ms Miss Dr Year Yr Reception Nursery School Primary Secondary Academy
College Police Social Care Services Team Health Visitor Midwife Nurse Doctor GP NHS Family Help
Early Referral Concern Concerns Notes Note Case Pupil Name Names Date Age Address Postcode Reason
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
July August September October November December Christmas Easter Today Yesterday Tomorrow Last
Next Also And But Or So If When While After Before Since Lives Living Has Have Had Is Are Was
Were Been Being Not No Yes Please Thanks Hi Hello Dear Re Subject From To Cc Sent Regards
Kind Many Some All Both Each Every Any One Two Three Four Five Six Seven Eight Nine Ten Other
Baby Child Children Kids Son Daughter Mother Father Parent Parents Carer Partner Boyfriend
Girlfriend Stepdad Stepmum Grandmother Grandfather Aunt Uncle Brother Sister Twins Twin Toddler
Teenager Boy Girl Young Person Officer Sergeant Constable School's Council Housing Hospital
Dept Ward Unit Centre Center Road Street Lane Avenue Close Drive Way House Flat Court Park
Muslim Christian Polish English Romanian Somali Urdu Arabic British Irish Asian Black White
DSL SENCO EHA TAF CAMHS EHCP DA PPN ASB CP CIN LADO MASH ED AE OK Ok Apparently Currently
Mother's Father's Mum's Dad's Concerned Worried Called Seen Visited Spoke Told Says Said
Grade Level Stage Tier Section Flat Room Ward Page Step Phase Key Stage Band Bus Route Unit
""".split())
_PLACE_AFTER = re.compile(r"^\s+(?:Primary|School|Academy|College|Road|Street|Lane|Avenue|Close|"
                          r"Drive|Court|Centre|Hospital|Surgery|Estate|Park|Nursery|House|Way|"
                          r"Children's|Infant|Junior|High|Medical)\b")
_TITLE_BEFORE = re.compile(r"\b(?:Dr|PC|DC|Sgt|Officer|at|in|from)\.?\s*$")  # not family

_UNIT = r"(?:years?|yrs?|yo|y/o|y\.o\.|months?|mths?|mnths?|mos?|mo|m/o|weeks?|wks?|w/o|days?)"
# health visitors' notation: "9/12" is nine months old, "5/52" five weeks, "38+4" is gestation
_FRACTION_AGE = re.compile(r"(?<![\d/])(?P<num>\d{1,2})/(?P<of>12|52)(?![\d/])")
_AGE_WITH_UNIT = re.compile(
    rf"(?<![£\d.:/])\b(?P<num>\d{{1,2}}(?:\.\d)?)\s*-?\s*(?P<unit>{_UNIT})(?:\s*-?\s*(?P<old>olds?))?"
    r"(?![\w/])", re.I)
_AGED = re.compile(rf"\b(?:aged?|age:|turned|turns|turning)\s*:?\s*(?P<approx>about|nearly|almost|"
                   rf"just|only)?\s*(?P<num>\d{{1,2}}(?:\.\d)?)(?:\s*(?P<unit>{_UNIT}))?\b", re.I)
_DOB = re.compile(r"\b(?:DOB|D\.O\.B\.?|date of birth|born(?: on)?|b\.)(?:\s+of\s+(?:the\s+)?"
                  r"[a-z]+)?\s*:?\s*(?P<d>\d{1,2})"
                  r"[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{2,4})\b", re.I)
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
_BORN_MONTH = re.compile(r"\bborn\s+(?:in\s+)?(?P<month>(?:jan|feb|mar|apr|may|jun|jul|aug|sep|"
                         r"oct|nov|dec)[a-z]*)\.?\s+(?P<year>(?:19|20)\d\d)\b", re.I)
_SCHOOL_YEAR = re.compile(r"\b(?:year|yr)\s*(?P<year>\d{1,2})\b(?!\s*-?\s*(?:olds?|s\b))"
                          r"|\bY(?P<y>\d{1,2})\b", re.I)
# what may stand between a mention and its age: "Leah is 6", "Mum Shannon (23)", "Isla, who is
# 18 months", "dad - 36", "Noah, who turned 5", "Kieran, Year 4", "she's 17"
# what may stand between a mention and its age: "Leah is 6", "Mum Shannon (23)", "Isla, who is
# 18 months", "dad - 36", "Noah, who turned 5", "Kieran, Year 4", "she's 17",
# "sister's only 8", "Mother (Hafsa) is 24"
_LINK_WORDS = (r"(?:who\s+is|who's|who’s|whos|that\s+is|who|that|is\s+now|is\s+in|is|'s|’s|was|"
               r"now|of|in|dob:?|d\.o\.b\.?:?|born(?:\s+on)?|date\s+of\s+birth:?|aged?|age:|turned|"
               r"just\s+turned|has\s+just\s+turned|only|just|about|nearly|almost)")
_LINK = re.compile(rf"^\s*\)?\s*(?:,\s*|\(\s*|-\s*|:\s*)?(?:{_LINK_WORDS}\s*){{0,2}}\(?\s*$", re.I)
_BARE_AGE = re.compile(rf"^(?P<gap>\s*\)?\s*(?:,\s*|\(\s*|-\s*|:\s*)?(?:{_LINK_WORDS}\s*){{0,2}}"
                       r"\(?\s*)"
                       r"(?P<num>\d{1,2}(?:\.\d)?)\b(?!\s*(?:%|am\b|pm\b|:\d|times|x\b|"
                       r"weeks? pregnant|wks? pregnant|percent|hours?|hrs?|mins?|minutes|"
                       r"nights?|days? a|/\d|\.\d\d|st\b|nd\b|rd\b|th\b|[,.]\d|£|p\b))", re.I)
_NOT_AGE_BEFORE = re.compile(r"(?:\b(?:for|past|last|over|within|sober|clean|after|since|in|every|"
                             r"than|under|below|above|flat|number|no\.?|room|bus|route|attendance"
                             r"|by|until|till)\s*|£)$", re.I)
_NOT_AGE_AFTER = re.compile(r"^\s*(?:-?\s*olds?\s+)?(?:ago|sober|clean|later|of (?:school|age|"
                            r"education|support|work)|pregnant|gestation|into|in (?:prison|"
                            r"custody|care|the|temporary)|before|behind|late|arrears|sentence|"
                            r"waiting|wait|off|on the|of (?:the|her|his|their))\b", re.I)
_NOT_A_PERSON = re.compile(r"\s+(?:in need|protection|care|minding|minder|benefit|maintenance|"
                           r"arrangements|development|health|centre|seat|seats|sexual|abuse|"
                           r"exploitation|poverty|trafficking|criminal)\b", re.I)
# words that follow a role in chat without being a name ("mum has 3 kids", "dad works 12 hrs")
_CHAT_WORDS = set("""is was has had and but says said rang called thinks told wants needs does
did can could will would took left came went lives living got gets are not now age aged about
only just the to in at on for from been be with who whos shes hes works worked says aged turned
has had with also then over under around approx approximately roughly nearly almost""".split())
_PRONOUN_AGE = re.compile(r"\b(?P<who>he|she|i)(?:\s+is|'s|’s|s|'m|’m|m|\s+am|\s+turned)\b", re.I)
_PRONOUN = re.compile(r"\b(he|she|they)\b", re.I)
_PLURAL_AGES = re.compile(r"^(?P<gap>\s*(?:,\s*|:\s*|\(\s*)?(?:are|r|aged?|of|both|both aged)?\s*)"
                          r"(?P<list>\d{1,2}(?:\.\d)?(?:(?:\s*(?:,|and|&|\+)\s*|\s+n\s+|\s+)"
                          r"\d{1,2}(?:\.\d)?)*)"
                          r"(?!\s*(?:%|am\b|pm\b|weeks? pregnant|times))\b", re.I)
_COUNT_BEFORE = re.compile(r"\b(?P<n>\d{1,2})\s+(?:young\s+|little\s+)?$", re.I)
_SENTENCE_END = re.compile(r"[.!?\n]")


@dataclass
class Person:
    """One person the text mentions."""

    role: str | None = None  # normalised: mother, father, grandmother, son, baby, …
    name: str | None = None
    age_years: float | None = None
    school_year: int | None = None
    is_child: bool | None = None  # None: the text does not tell
    is_parent: bool = False
    words: list[str] = field(default_factory=list)  # the words each fact came from
    start: int = 0
    end: int = 0

    def describe(self) -> str:
        """'Leah 6', 'Mum Shannon 23', 'Kieran (Year 4)', 'baby 10 weeks'."""
        role = _SPOKEN.get(self.role or "", (self.role or "").capitalize())
        label = self.name or (role if self.role else "child" if self.is_child else "adult")
        if self.name and self.role and not self.is_child:
            label = f"{role} {self.name}"
        if self.age_years is not None:
            return f"{label} {format_age(self.age_years)}"
        if self.school_year is not None:
            return f"{label} (Year {self.school_year})"
        return label


_SPOKEN = {"mother": "Mum", "father": "Dad", "stepfather": "Stepdad", "stepmother": "Stepmum",
           "grandmother": "Nan", "grandfather": "Grandad", "child": "child", "baby": "baby",
           "toddler": "toddler", "boy": "boy", "girl": "girl", "son": "son",
           "daughter": "daughter", "pupil": "pupil", "young person": "young person"}


def format_age(years: float) -> str:
    if years >= 2 or years == int(years):
        return str(int(years)) if years == int(years) else f"{years:g}"
    months = round(years * 12)
    return f"{round(years * 52)} weeks" if months < 3 else f"{months} months"


def normalise_numbers(text: str) -> str:
    """'two-year-old' → '2-year-old'; other words are left alone."""
    return _NUMBER_WORD.sub(lambda m: NUMBER_WORDS[m.group(1).lower()], text)


def _years(num: str, unit: str | None) -> float:
    value = float(num)
    unit = (unit or "years").lower()
    if unit.startswith(("month", "mth", "mnth", "mo", "m/o")):
        return _in_years(value / 12)
    if unit.startswith(("week", "wk", "w/o")):
        return _in_years(value / 52)
    if unit.startswith("day"):
        return round(value / 365, 3)
    return value


def _strip_title_words(match: re.Match[str]) -> re.Match[str] | None:
    """'Victim Sadia Begum' -> 'Sadia Begum', 'Mrs Hodan Hassan' -> 'Hodan Hassan': leading
    words that are not names are dropped (the match is redone on the rest of the run)."""
    words = match.group().split()
    drop = 0
    while drop < len(words) and (words[drop] in _NOT_NAMES or words[drop] in _NOT_NAME_LEADS):
        drop += 1
    if drop == len(words):
        return None
    if drop == 0:
        return match
    start = match.start() + match.group().index(words[drop], sum(len(w) for w in words[:drop]))
    return _NAME.match(match.string, start)


_NOT_NAME_LEADS = set("""Mr Mrs Ms Miss Mx Victim Suspect Driver Male Female Juvenile Subject
Informant Caller Visited Seen Saw Met Re Dear Regarding Thank Thanks Patient Client Referral
Missing MFH Appropriate Adult Adults Teenage Baby Pupil Student Child Children""".split())


def _in_years(years: float) -> float:
    """Babies in fractions of a year; from 2, whole years (a 27-month-old is 2)."""
    return float(int(years)) if years >= 2 else round(years, 2)


def _age_from_dob(day: int, month: int, year: int, today: dt.date) -> float | None:
    if year < 100:
        year += 2000 if year <= today.year % 100 else 1900
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return None
    if born > today:
        return None
    months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
    if months >= 24:
        return float(months // 12)
    weeks = (today - born).days // 7
    return round(weeks / 52, 2) if weeks < 13 else round(months / 12, 2)


@dataclass
class _Age:
    years: float | None
    school_year: int | None
    start: int
    end: int
    words: str
    child_form: bool = False  # "a 6-year-old", "6yo": the form itself names a person


class PeopleReader:
    """Reads people from one text; `today` dates a date of birth."""

    def __init__(self, text: str, today: dt.date | None = None) -> None:
        self.text = normalise_numbers(text)
        self.today = today or dt.date.today()
        self.people: list[Person] = []
        self._taken: list[tuple[int, int]] = []

    def read(self) -> list[Person]:
        mentions = self._mentions()
        ages = self._ages()
        for age in ages:
            self._bind(age, mentions)
        self._lowercase_names(mentions)
        self._bind_bare_ages(mentions)
        self._pronoun_ages(mentions)
        self._shared_ages(mentions)
        self._children_counts(mentions)
        return self._merge(mentions)

    # ------------------------------------------------------------------ mentions

    def _mentions(self) -> list[Person]:
        found: list[Person] = []
        for match in _ROLE_WORD.finditer(self.text):
            word = match.group(1).lower()
            if word in _PLURAL_CHILDREN:
                continue  # plural mentions are read by _children_counts
            singular = word if word in _ROLES else word[:-1]
            role, child, parent = _ROLES[singular]
            if singular != word:
                continue
            if re.match(r"(?:'s|’s)\b(?!\s*(?:\d|only|now|just|nearly|almost|about))",
                        self.text[match.end():]):
                continue  # "mum's partner", "dad's house": someone else is being described
            if child and _NOT_A_PERSON.match(self.text[match.end():]):
                continue  # "child in need plan", "child protection"
            found.append(Person(role=role, is_child=child, is_parent=parent,
                                start=match.start(), end=match.end()))
        for run in _NAME.finditer(self.text):
            named = _strip_title_words(run)
            if named is None:
                continue
            match = named
            name = match.group()
            if name in _NOT_NAMES or _PLACE_AFTER.match(self.text[match.end():]) or \
                    _TITLE_BEFORE.search(self.text[:match.start()]):
                continue
            if not self._introduced(match):
                continue
            titled = next((p for p in found if 0 <= match.start() - p.end <= 9
                           and re.fullmatch(r"(?:-to-be)?[\s,(:]*",
                                            self.text[p.end:match.start()])), None)
            if titled is not None and titled.name is None:
                titled.name, titled.end = name, match.end()
                continue
            found.append(Person(name=name, start=match.start(), end=match.end()))
        return sorted(found, key=lambda p: p.start)

    def _introduced(self, match: re.Match[str]) -> bool:
        """A capitalised word is a name when the text treats it as one: an age, a year group or
        a role beside it, or a list of names."""
        after = self.text[match.end():match.end() + 40]
        before = self.text[max(0, match.start() - 25):match.start()]
        return bool(
            _BARE_AGE.match(after)
            or re.match(r"^\s*,?\s*(?:who|aged?|is|'s|dob|d\.o\.b|born|was born)\b", after, re.I)
            or _SCHOOL_YEAR.match(after.lstrip(" ,(-:")) or re.match(r"^\s*\(", after)
            or re.search(r"\b(?:son|daughter|mum|dad|mother|father|baby|child|brother|sister|"
                         r"stepdad|nan|partner|pupil|name|named|called|children|kids)\W{0,3}$",
                         before, re.I)
            or re.match(r"^\s*(?:and|&)\s+[A-Z][a-z]+", after)
            or re.search(r"[A-Z][a-z]+,?\s+(?:and|&)\s+$", before))

    # ------------------------------------------------------------------ ages

    def _free(self, start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in self._taken)

    def _ages(self) -> list[_Age]:
        ages: list[_Age] = []
        self._respective_ages()
        self._couple_ages()
        self._plural_ages()
        for match in _DOB.finditer(self.text):
            years = _age_from_dob(int(match["d"]), int(match["m"]), int(match["y"]), self.today)
            if years is not None:
                ages.append(_Age(years, None, match.start("d"), match.end(), match.group()))
                self._taken.append((match.start(), match.end()))
        for match in _FRACTION_AGE.finditer(self.text):
            if not self._free(match.start(), match.end()) or re.match(
                    r"\s*(?:gestation|pregnant|weeks)", self.text[match.end():], re.I):
                continue
            unit = "months" if match["of"] == "12" else "weeks"
            ages.append(_Age(_years(match["num"], unit), None, match.start(), match.end(),
                             match.group()))
            self._taken.append((match.start(), match.end()))
        for match in _BORN_MONTH.finditer(self.text):
            years = self._age_from_month(match["month"], int(match["year"]))
            if years is not None and self._free(match.start(), match.end()):
                ages.append(_Age(years, None, match.start(), match.end(), match.group()))
                self._taken.append((match.start(), match.end()))
        for match in _SCHOOL_YEAR.finditer(self.text):
            year = int(match["year"] or match["y"])
            before = self.text[:match.start()]
            if 0 <= year <= 13 and self._free(match.start(), match.end()) and not re.search(
                    r"\d\s*$|\b(?:last|this|next|the|a|each|every|per|one|school)\s*$", before,
                    re.I):
                ages.append(_Age(None, year, match.start(), match.end(), match.group()))
                self._taken.append((match.start(), match.end()))
        for pattern in (_AGED, _AGE_WITH_UNIT):
            for match in pattern.finditer(self.text):
                if not self._free(match.start(), match.end()):
                    continue
                unit = (match.groupdict().get("unit") or "").lower()
                child_form = pattern is _AGE_WITH_UNIT and (
                    bool(match["old"]) or unit in ("yo", "y/o", "y.o."))
                if not child_form and self._not_an_age(match):
                    continue
                years = _years(match["num"], match.groupdict().get("unit"))
                if match.groupdict().get("approx", "") in ("nearly", "almost"):
                    years = max(years - 0.25, 0)
                if pattern is _AGE_WITH_UNIT and not child_form and not self._age_cue(match):
                    continue  # "6 years" alone may be a duration
                ages.append(_Age(years, None, match.start(), match.end(), match.group(),
                                 child_form))
                self._taken.append((match.start(), match.end()))
        return sorted(ages, key=lambda a: a.start)

    def _age_from_month(self, month: str, year: int) -> float | None:
        """'born January 2017': whole years only when the birthday month has passed or not."""
        number = _MONTHS.index(month[:3].lower()) + 1
        if (year, number) > (self.today.year, self.today.month):
            return None
        months = (self.today.year - year) * 12 + self.today.month - number
        return float(months // 12) if months >= 24 else round(months / 12, 2)

    def _not_an_age(self, match: re.Match[str]) -> bool:
        before = self.text[max(0, match.start() - 14):match.start()]
        return bool(_NOT_AGE_BEFORE.search(before) or _NOT_AGE_AFTER.match(
            self.text[match.end():]) or self._past_or_gestation(match.start(), match.group()))

    def _past_or_gestation(self, start: int, words: str) -> bool:
        """'since the baby was 6 weeks old', 'when Kamal was 2': an age then, not now; '28 weeks'
        in a note about a pregnancy is how far along it is."""
        before = self.text[max(0, start - 40):start]
        if re.search(r"\b(?:since|when|until|till)\b[^.;]{0,30}\bwas\s*$", before, re.I):
            return True
        weeks = re.match(r"(\d{1,2})\s*(?:weeks?|wks?)\b", words, re.I)
        return bool(weeks and int(weeks.group(1)) >= 12 and re.search(
            r"pregnan|antenatal|to-be|expecting|gestation|booking|midwife|\+\d",
            self._around(start), re.I))

    def _around(self, position: int) -> str:
        start = max((m.end() for m in _SENTENCE_END.finditer(self.text[:position])), default=0)
        end = _SENTENCE_END.search(self.text, position)
        return self.text[start:end.start() if end else len(self.text)]

    def _age_cue(self, match: re.Match[str]) -> bool:
        """'baby is 10 weeks', 'Isla, 18 months', 'kids of 3 years': a unit age needs a person
        or a link word beside it."""
        before = self.text[max(0, match.start() - 30):match.start()]
        return bool(re.search(r"(?:\b(?:is|'s|was|of|aged?|now|just|only|who is|baby|babies|"
                              r"toddler|son|daughter|boy|girl|child|kid|twins|brother|sister)"
                              r"|[,(:\-])\s*$",
                              before, re.I))

    # ------------------------------------------------------------------ binding

    def _previous(self, mentions: list[Person], start: int) -> Person | None:
        """The mention that ends right before `start`, joined to it by link words only."""
        best = None
        for person in mentions:
            if person.end <= start and _LINK.match(self.text[person.end:start]):
                best = person
        return best

    def _next_role(self, mentions: list[Person], end: int) -> Person | None:
        """'6-year-old son', '19 year old mum', '10 week old baby'."""
        for person in mentions:
            if person.start >= end and re.fullmatch(r"[\s-]*(?:(?:old|little|young|baby|"
                                                     r"teenage|year)\s+)*",
                                                     self.text[end:person.start]):
                return person
        return None

    def _bind(self, age: _Age, mentions: list[Person]) -> None:
        target = self._next_role(mentions, age.end) if age.child_form else None
        target = target or self._previous(mentions, age.start)
        if target is None and not age.child_form:
            target = self._pronoun_referent(mentions, age.start)
        if target is None:
            target = self._next_role(mentions, age.end)
        if target is not None and not _plausible(target, age.years, age.school_year):
            target = None
        if target is None or target.age_years is not None or target.school_year is not None:
            target = Person(start=age.start, end=age.end)
            mentions.append(target)
            mentions.sort(key=lambda p: p.start)
        self._set_age(target, age.years, age.school_year, age.words)

    def _pronoun_referent(self, mentions: list[Person], start: int) -> Person | None:
        """'Noah … he turned 5': the most recent person in this or the last sentence that has
        no age yet, when a pronoun stands right before the age."""
        window = self.text[max(0, start - 25):start]
        pronoun = list(_PRONOUN.finditer(window))
        if not pronoun or not _LINK.match(window[pronoun[-1].end():]):
            return None
        word = pronoun[-1].group(1).lower()
        sentence_start = max((m.end() for m in _SENTENCE_END.finditer(self.text[:start])),
                             default=0)
        earlier = max((m.end() for m in _SENTENCE_END.finditer(self.text[:sentence_start - 1])),
                      default=0) if sentence_start else 0
        for person in reversed(mentions):
            if earlier <= person.start < start and person.age_years is None and \
                    (person.name or person.is_child) and _fits_pronoun(person, word):
                return person
        return None

    def _lowercase_names(self, mentions: list[Person]) -> None:
        """Chat leaves names in lower case: 'mum shannon (23)', 'stepdad lee 31'. A word right
        after a role, itself followed by an age, is that person's name."""
        for person in mentions:
            if person.name or person.age_years is not None:
                continue
            named = re.match(r"\s+([a-z][a-z'-]{2,})\s*(?=[(,]?\s*\d{1,2}\b)",
                             self.text[person.end:])
            if named and named.group(1) not in _CHAT_WORDS:
                person.name = named.group(1).capitalize()
                person.end += named.end()

    def _bind_bare_ages(self, mentions: list[Person]) -> None:
        """'Leah is 6', 'mum 34', 'Shannon (23)', 'parents both 30': a plain number right after
        a person."""
        for person in list(mentions):
            if person.age_years is not None or person.school_year is not None:
                continue
            match = _BARE_AGE.match(self.text[person.end:person.end + 40])
            if not match:
                continue
            start = person.end + match.start("num")
            end = person.end + match.end("num")
            if not self._free(start, end) or _NOT_AGE_AFTER.match(self.text[end:]) or \
                    self._past_or_gestation(start, self.text[start:end + 8]):
                continue
            age = float(match["num"])
            if not _plausible(person, age, None):
                continue
            unit = re.match(rf"\s*({_UNIT})(?![\w/])", self.text[end:], re.I)
            if unit:
                age = _years(match["num"], unit.group(1))
                end += unit.end()
            elif person.role is None and not match["gap"].strip() and not re.match(
                    r"\s*(?:[,;.)&]|and\b|$)", self.text[end:]):
                continue  # "Grade 1 missing": a name and its age stand apart from what follows
            self._taken.append((start, end))
            self._set_age(person, age, None, self.text[person.start:end])

    def _shared_ages(self, mentions: list[Person]) -> None:
        """'twins Ava and Isla, 18 months': the age after the second name is both twins'."""
        for person in mentions:
            if person.name is None or person.age_years is None:
                continue
            before = self.text[max(0, person.start - 40):person.start]
            pair = re.search(r"\b(?:twins?|both)\W+(?:\w+\W+)?([A-Z][a-z]+)\s+(?:and|&)\s+$",
                             before, re.I)
            other = next((m for m in mentions if pair and m.name == pair.group(1)
                          and m.age_years is None and m.school_year is None), None)
            if other is not None:
                self._set_age(other, person.age_years, None, person.words[-1])

    def _pronoun_ages(self, mentions: list[Person]) -> None:
        """'He is 2.', "she's 14", "I'm 22": the age of the person the pronoun stands for (for
        "I", the speaker: the person the note names just before the quote)."""
        for match in _PRONOUN_AGE.finditer(self.text):
            bare = _BARE_AGE.match(self.text[match.end():match.end() + 30])
            if not bare:
                continue
            start, end = match.end() + bare.start("num"), match.end() + bare.end("num")
            if not self._free(start, end) or _NOT_AGE_AFTER.match(self.text[end:]):
                continue
            age = float(bare["num"])
            speaker = match["who"].lower() == "i"
            target = (self._speaker(mentions, match.start()) if speaker
                      else self._pronoun_referent(mentions, start))
            target = target or Person(start=match.start(), end=end)
            if not _plausible(target, age, None):
                continue
            if target not in mentions:
                mentions.append(target)
            self._taken.append((start, end))
            self._set_age(target, age, None, self.text[match.start():end])

    def _speaker(self, mentions: list[Person], start: int) -> Person | None:
        """Who says "I'm …": the last person named or given a role before the quote opens."""
        quote = max(self.text.rfind('"', 0, start), self.text.rfind("“", 0, start))
        before = [p for p in mentions if p.end <= (quote if quote >= 0 else start)
                  and p.age_years is None and (quote < 0 or quote - p.end < 40)]
        return before[-1] if before and quote >= 0 else None

    def _respective_ages(self) -> None:
        """'Leah and Jayden are 6 and 3': names and ages paired in order."""
        pattern = re.compile(r"\b([A-Z][a-z]+(?:,\s*[A-Z][a-z]+)*\s+(?:and|&)\s+[A-Z][a-z]+),?\s+"
                             r"(?:are|aged)\s+(?:aged\s+)?(\d{1,2}(?:(?:,\s*|\s+(?:and|&)\s+)"
                             r"\d{1,2})+)\b(?!\s*(?:%|weeks? pregnant))")
        for match in pattern.finditer(self.text):
            names = re.findall(r"[A-Z][a-z]+", match.group(1))
            ages = [float(n) for n in re.findall(r"\d{1,2}", match.group(2))]
            if len(names) != len(ages) or any(n in _NOT_NAMES for n in names) or \
                    not self._free(match.start(2), match.end(2)):
                continue
            self._taken.append((match.start(2), match.end(2)))
            for name, age in zip(names, ages, strict=True):
                person = Person(name=name, start=match.start(), end=match.end())
                self._set_age(person, age, None, match.group())
                self.people.append(person)

    def _couple_ages(self) -> None:
        """'mum and dad are 25 and 27', 'mum + dad both 30', 'me and his dad are both 30'."""
        pattern = re.compile(r"\b(mum|mother|me|dad|father|stepdad|nan|grandad)\s*(?:and|&|\+|n)\s*"
                             r"(?:his |her |their |the )?(mum|mother|dad|father|partner|stepdad|"
                             r"grandad|nan)\s+(?:are\s+|r\s+)?(?:(both|aged)\s+)?(\d{2})"
                             r"(?:\s*(?:and|&|n)\s*(\d{2}))?\b", re.I)
        for match in pattern.finditer(self.text):
            if not self._free(match.start(3) if match.group(3) else match.start(4),
                              match.end()):
                continue
            first, second = float(match.group(4)), match.group(5)
            ages = [first, float(second)] if second else [first, first] if match.group(3) \
                else []
            if not ages:
                continue
            self._taken.append((match.start(4), match.end()))
            for word, age in zip((match.group(1), match.group(2)), ages, strict=True):
                role, _, parent = _ROLES.get(word.lower(), ("mother", False, True))
                person = Person(role=role, is_child=False, is_parent=parent,
                                start=match.start(), end=match.end())
                self._set_age(person, age, None, match.group())
                self.people.append(person)

    def _plural_ages(self) -> None:
        """'kids 4 & 7', 'children are 6 and 10', 'parents both 30', 'twins aged 3'."""
        for match in re.finditer(r"\b(children|kids|teens|boys|girls|sons|daughters|siblings|"
                                 r"twins|triplets|parents|they're|theyre|they are|(?:other|older|"
                                 r"younger) (?:two|three|four|2|3|4))\b", self.text, re.I):
            word = match.group(1).lower()
            listed = _PLURAL_AGES.match(self.text[match.end():match.end() + 40])
            if not listed:
                continue
            if word.startswith(("they", "other", "older", "younger")):
                if len(re.findall(r"\d+", listed["list"])) < 2:
                    continue  # "they're 6" could be anyone
                word = "children"
            start = match.end() + listed.start("list")
            end = match.end() + listed.end("list")
            unit = re.match(rf"\s*({_UNIT})\b", self.text[end:], re.I)
            if not self._free(start, end) or _NOT_AGE_AFTER.match(self.text[end:]):
                continue
            ages = [_years(n, unit.group(1) if unit else None)
                    for n in re.findall(r"\d{1,2}(?:\.\d)?", listed["list"])]
            both = re.search(r"\bboth\b", listed["gap"], re.I)
            count = _PLURAL_CHILDREN[word]
            if len(ages) == 1 and (count or both):
                ages = ages * (count or 2)
            self._taken.append((start, end))
            words = self.text[match.start():end]
            for age in ages:
                person = Person(is_child=word != "parents", is_parent=word == "parents",
                                role="parent" if word == "parents" else "child",
                                start=match.start(), end=end)
                self._set_age(person, age, None, words)
                self.people.append(person)

    def _set_age(self, person: Person, years: float | None, school_year: int | None,
                 words: str) -> None:
        person.age_years = years
        person.school_year = school_year
        person.words.append(words.strip(" ,("))

    def _children_counts(self, mentions: list[Person]) -> None:
        """'three children: …', '2 kids', 'twins': children the text counts but does not age."""
        for match in re.finditer(r"\b(children|kids|boys|girls|sons|daughters|twins|triplets)\b",
                                 self.text, re.I):
            count = _COUNT_BEFORE.search(self.text[max(0, match.start() - 12):match.start()])
            word = match.group(1).lower()
            n = int(count["n"]) if count else _PLURAL_CHILDREN.get(word, 0)
            if not n or n > 12:
                continue
            self.people.append(Person(role=f"count:{n}", is_child=True,
                                      start=match.start(), end=match.end(),
                                      words=[self.text[match.start() - (len(count.group())
                                                                         if count else 0):
                                                       match.end()]]))

    # ------------------------------------------------------------------ people

    def _merge(self, mentions: list[Person]) -> list[Person]:
        counts = [p for p in self.people if p.role and p.role.startswith("count:")]
        listed = [p for p in self.people if p not in counts]
        people: list[Person] = []
        for person in [*mentions, *listed]:
            self._classify(person)
            same = next((p for p in people if _same(p, person)), None)
            if same is None:
                people.append(person)
                continue
            same.name = same.name or person.name
            same.role = same.role if same.role not in (None, "child") else person.role
            if person.age_years is not None or person.school_year is not None:
                # the later statement wins: "Leah is 7" after "Leah is 6" corrects it
                same.age_years, same.school_year = person.age_years, person.school_year
            same.words += person.words
            same.is_child = same.is_child if same.is_child is not None else person.is_child
            same.is_parent = same.is_parent or person.is_parent
            self._classify(same)  # an age said later can make a brother a grown-up
        people = [p for p in people if (p.is_child is not None or p.age_years is not None)
                  and not self._unborn(p)]
        people = [p for p in people if not _absorbed(p, people)]
        people = [p for p in people if not _said_again(p, listed)]
        for count in counts:
            n = int((count.role or "count:0").split(":")[1])
            children = [p for p in people if p.is_child]
            for _ in range(n - len(children)):
                people.append(Person(role="child", is_child=True, words=count.words,
                                     start=count.start, end=count.end))
        return sorted(people, key=lambda p: p.start)

    def _unborn(self, person: Person) -> bool:
        """'first baby due in March': the expected baby is not yet a child of the family."""
        return person.role == "baby" and person.age_years is None and bool(re.search(
            r"\b(pregnan\w*|due|expecting|unborn|antenatal|gestation)\b", self._sentence(person),
            re.I))

    def _classify(self, person: Person) -> None:
        if person.is_child is not None or person.role is not None:
            if person.is_child and person.age_years is not None and person.age_years >= 18 \
                    and person.role in ("brother", "sister", "sibling", "son", "daughter"):
                person.is_child = False  # an adult son is family, not a child of the case
            return
        if person.school_year is not None:
            person.is_child = True
        elif person.age_years is not None:
            expecting = re.search(r"\b(pregnant|expecting|due|weeks along|antenatal|midwife|to-be|"
                                  r"primip|her baby|his baby|her son|her daughter|his son|"
                                  r"his daughter)\b", self._sentence(person), re.I)
            person.is_child = person.age_years < 18 and not (
                expecting and person.age_years >= 13 and person.name is not None)
            person.is_parent = not person.is_child

    def _sentence(self, person: Person) -> str:
        start = max((m.end() for m in _SENTENCE_END.finditer(self.text[:person.start])),
                    default=0)
        end = _SENTENCE_END.search(self.text, person.end)
        return self.text[start:end.start() if end else len(self.text)]


_FEMALE = {"mother", "stepmother", "grandmother", "aunt", "daughter", "girl", "sister"}
_MALE = {"father", "stepfather", "grandfather", "uncle", "son", "boy", "brother"}


def _fits_pronoun(person: Person, pronoun: str) -> bool:
    """'he' is not the mother, 'she' is not the father."""
    if pronoun == "he":
        return person.role not in _FEMALE
    if pronoun == "she":
        return person.role not in _MALE
    return True


def _said_again(person: Person, listed: list[Person]) -> bool:
    """'kids 4 & 7 … the 4yo': an unnamed child given again by age is one the list gave."""
    if person in listed or person.name or not person.is_child or person.age_years is None:
        return False
    return any(other.is_child and other.age_years == person.age_years and other.start <
               person.start for other in listed)


def _absorbed(person: Person, people: list[Person]) -> bool:
    """'the child … the 6yo': a bare child mention refers to a child the text describes."""
    if not person.is_child or person.name or person.age_years is not None or \
            person.school_year is not None:
        return False
    return any(other is not person and other.is_child and other.role in (None, person.role)
               and (other.name or other.age_years is not None or other.school_year is not None)
               for other in people)


def _plausible(person: Person, years: float | None, school_year: int | None) -> bool:
    """An adult is not 7, and a child is not 40."""
    if person.is_child is False:
        return school_year is None and (years is None or 12 <= years <= 100)
    if person.is_child:
        grown_up = person.role in ("brother", "sister", "sibling", "son", "daughter")
        return years is None or years <= (100 if grown_up else 25)
    return years is None or years <= 100


def _same(a: Person, b: Person) -> bool:
    """The same person mentioned twice: the same name, or the same singular parent role."""
    if a.name and b.name:
        return a.name == b.name
    if a.role and a.role == b.role and a.role in ("mother", "father", "stepfather", "stepmother",
                                                   "partner", "grandmother", "grandfather"):
        return True
    if (a.name or b.name) and a.role and a.role == b.role:
        return (a.age_years is None or b.age_years is None) and not (
            a.age_years is None and b.age_years is None and a.role in _CHILD_ROLES)
    # a role mention without an age ("the baby") is the aged mention of the same role
    if a.role and a.role == b.role and a.role in _CHILD_ROLES:
        return a.age_years is None or b.age_years is None
    return False


_CHILD_ROLES = {role for role, child, _ in _ROLES.values() if child}


def read_people(text: str, today: dt.date | None = None) -> list[Person]:
    """Every person `text` mentions with what it says of them."""
    return PeopleReader(text, today).read()
