"""Where the ages are in a note: units, dates of birth, year groups, lists ("kids 4 & 7"),
couples ("mum and dad are 25 and 27") and counts ("three children"), with the traps that
are not ages (durations, gestation, ages then)."""

from __future__ import annotations

import datetime as dt
import re

from waymark.reading.ages import Age, age_from_dob, in_years, normalise_numbers, years_from
from waymark.reading.people_words import (
    AGE_WITH_UNIT,
    AGED,
    BORN_MONTH,
    COMPOUND_AGE,
    COUNT_BEFORE,
    DOB,
    FRACTION_AGE,
    LISTED_AGES,
    MONTHS,
    NOT_A_PUPIL,
    NOT_AGE_AFTER,
    NOT_AGE_BEFORE,
    NOT_NAMES,
    PLURAL_AGES,
    PLURAL_CHILDREN,
    ROLES,
    SCHOOL_YEAR,
    SENTENCE_END,
    UNIT,
)
from waymark.reading.person import Person


class AgeFinder:
    """Finds the ages in one text and the spans they take; the people reader binds them."""

    def __init__(self, text: str, today: dt.date | None = None) -> None:
        self.text = normalise_numbers(text)
        self.today = today or dt.date.today()
        self.people: list[Person] = []
        self._taken: list[tuple[int, int]] = []


    def _free(self, start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in self._taken)

    def _ages(self) -> list[Age]:
        ages: list[Age] = []
        self._respective_ages()
        self._couple_ages()
        self._plural_ages()
        for match in DOB.finditer(self.text):
            years = age_from_dob(int(match["d"]), int(match["m"]), int(match["y"]), self.today)
            if years is not None:
                ages.append(Age(years, None, match.start("d"), match.end(), match.group()))
                self._taken.append((match.start(), match.end()))
        for match in FRACTION_AGE.finditer(self.text):
            if not self._free(match.start(), match.end()) or re.match(
                    r"\s*(?:gestation|pregnant|weeks)", self.text[match.end():], re.I):
                continue
            unit = "months" if match["of"] == "12" else "weeks"
            ages.append(Age(years_from(match["num"], unit), None, match.start(), match.end(),
                             match.group()))
            self._taken.append((match.start(), match.end()))
        for match in COMPOUND_AGE.finditer(self.text):  # "2y 1m", "3 years 4 months"
            ages.append(Age(in_years(int(match["y"]) + int(match["m"]) / 12), None,
                            match.start(), match.end(), match.group(), bool(match["old"])))
            self._taken.append((match.start(), match.end()))
        self._listed_ages(ages)
        for match in BORN_MONTH.finditer(self.text):
            years = self._age_from_month(match["month"], int(match["year"]))
            if years is not None and self._free(match.start(), match.end()):
                ages.append(Age(years, None, match.start(), match.end(), match.group()))
                self._taken.append((match.start(), match.end()))
        for match in SCHOOL_YEAR.finditer(self.text):
            year = int(match["year"] or match["y"])
            before = self.text[:match.start()]
            if NOT_A_PUPIL.match(self.text[match.end():]):
                continue
            # "a Year 7 (11) who runs the house" is a pupil; "twice a year 3 families" is not
            if 0 <= year <= 13 and self._free(match.start(), match.end()) and not re.search(
                    r"\d\s*$|\b(?:last|this|next|the|each|every|per|one|school)\s*$"
                    r"|\b(?:once|twice|times|per)\s+a\s*$", before, re.I):
                ages.append(Age(None, year, match.start(), match.end(), match.group()))
                self._taken.append((match.start(), match.end()))
        for pattern in (AGED, AGE_WITH_UNIT):
            for match in pattern.finditer(self.text):
                if not self._free(match.start(), match.end()):
                    continue
                unit = (match.groupdict().get("unit") or "").lower()
                child_form = pattern is AGE_WITH_UNIT and (
                    bool(match["old"]) or unit in ("yo", "y/o", "y.o."))
                if not child_form and self._not_an_age(match):
                    if not re.match(r"\s*ago\b", self.text[match.end():], re.I):
                        # nor a bare age; but "born 7 weeks ago" still dates the baby
                        self._taken.append((match.start(), match.end()))
                    continue
                years = years_from(match["num"], match.groupdict().get("unit"))
                if match.groupdict().get("approx", "") in ("nearly", "almost"):
                    years = max(years - 0.25, 0)
                if pattern is AGE_WITH_UNIT and not child_form and not self._age_cue(match):
                    continue  # "6 years" alone may be a duration
                ages.append(Age(years, None, match.start(), match.end(), match.group(),
                                 child_form))
                self._taken.append((match.start(), match.end()))
        return sorted(ages, key=lambda a: a.start)

    def _listed_ages(self, ages: list[Age]) -> None:
        """'6 and 9 yo', '3, 5 and 8 year olds': one age each, the unit said once."""
        for match in LISTED_AGES.finditer(self.text):
            if not self._free(match.start(), match.end()):
                continue
            for number in re.finditer(r"\d{1,2}", match["list"]):
                ages.append(Age(float(number.group()), None, match.start() + number.start(),
                                match.start() + number.end(), match.group(), True))
            self._taken.append((match.start(), match.end()))

    def _age_from_month(self, month: str, year: int) -> float | None:
        """'born January 2017': whole years only when the birthday month has passed or not."""
        number = MONTHS.index(month[:3].lower()) + 1
        if (year, number) > (self.today.year, self.today.month):
            return None
        months = (self.today.year - year) * 12 + self.today.month - number
        return float(months // 12) if months >= 24 else round(months / 12, 2)

    def _not_an_age(self, match: re.Match[str]) -> bool:
        before = self.text[max(0, match.start() - 14):match.start()]
        return bool(NOT_AGE_BEFORE.search(before) or NOT_AGE_AFTER.match(
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
        start = max((m.end() for m in SENTENCE_END.finditer(self.text[:position])), default=0)
        end = SENTENCE_END.search(self.text, position)
        return self.text[start:end.start() if end else len(self.text)]

    def _age_cue(self, match: re.Match[str]) -> bool:
        """'baby is 10 weeks', 'Isla, 18 months', 'kids of 3 years': a unit age needs a person
        or a link word beside it."""
        before = self.text[max(0, match.start() - 30):match.start()]
        return bool(re.search(r"(?:\b(?:is|'s|was|of|aged?|now|just|only|who is|baby|babies|"
                              r"toddler|son|daughter|boy|girl|child|kid|twins|brother|sister)"
                              r"|[,(:\-])\s*$",
                              before, re.I))

    def _respective_ages(self) -> None:
        """'Leah and Jayden are 6 and 3': names and ages paired in order."""
        pattern = re.compile(r"\b([A-Z][a-z]+(?:,\s*[A-Z][a-z]+)*\s+(?:and|&)\s+[A-Z][a-z]+),?\s+"
                             r"(?:are|aged)\s+(?:aged\s+)?(\d{1,2}(?:(?:,\s*|\s+(?:and|&)\s+)"
                             r"\d{1,2})+)\b(?!\s*(?:%|weeks? pregnant))")
        for match in pattern.finditer(self.text):
            names = re.findall(r"[A-Z][a-z]+", match.group(1))
            ages = [float(n) for n in re.findall(r"\d{1,2}", match.group(2))]
            if len(names) != len(ages) or any(n in NOT_NAMES for n in names) or \
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
                role, _, parent = ROLES.get(word.lower(), ("mother", False, True))
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
            listed = PLURAL_AGES.match(self.text[match.end():match.end() + 40])
            if not listed:
                continue
            if word.startswith(("they", "other", "older", "younger")):
                if len(re.findall(r"\d+", listed["list"])) < 2:
                    continue  # "they're 6" could be anyone
                word = "children"
            start = match.end() + listed.start("list")
            end = match.end() + listed.end("list")
            unit = re.match(rf"\s*({UNIT})\b", self.text[end:], re.I)
            if not self._free(start, end) or NOT_AGE_AFTER.match(self.text[end:]):
                continue
            ages = [years_from(n, unit.group(1) if unit else None)
                    for n in re.findall(r"\d{1,2}(?:\.\d)?", listed["list"])]
            both = re.search(r"\bboth\b", listed["gap"], re.I)
            count = PLURAL_CHILDREN[word]
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

    def _add_age(self, person: Person, years: float | None, school_year: int | None,
                 words: str) -> None:
        """'Kayden (Year 3, aged 7)': a year group and an age of the same child."""
        self._set_age(person, years if years is not None else person.age_years,
                      school_year if school_year is not None else person.school_year, words)

    def _children_counts(self, mentions: list[Person]) -> None:
        """'three children: …', '2 kids', 'twins': children the text counts but does not age."""
        for match in re.finditer(r"\b(children|kids|boys|girls|sons|daughters|twins|triplets)\b",
                                 self.text, re.I):
            count = COUNT_BEFORE.search(self.text[max(0, match.start() - 12):match.start()])
            word = match.group(1).lower()
            n = int(count["n"]) if count else PLURAL_CHILDREN.get(word, 0)
            if not n or n > 12:
                continue
            self.people.append(Person(role=f"count:{n}", is_child=True,
                                      start=match.start(), end=match.end(),
                                      words=[self.text[match.start() - (len(count.group())
                                                                         if count else 0):
                                                       match.end()]]))

    def _sentence(self, person: Person) -> str:
        start = max((m.end() for m in SENTENCE_END.finditer(self.text[:person.start])),
                    default=0)
        end = SENTENCE_END.search(self.text, person.end)
        return self.text[start:end.start() if end else len(self.text)]
