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

from waymark.reading.age_finder import AgeFinder
from waymark.reading.ages import Age, in_years, years_from
from waymark.reading.people_words import (
    BARE_AGE,
    CHAT_WORDS,
    LINK,
    NAME,
    NOT_A_PERSON,
    NOT_AGE_AFTER,
    NOT_AGE_BEFORE,
    NOT_NAMES,
    PLACE_AFTER,
    PLURAL_CHILDREN,
    PRONOUN,
    PRONOUN_AGE,
    ROLE_WORD,
    ROLES,
    SCHOOL_YEAR,
    SENTENCE_END,
    TITLE_BEFORE,
    UNIT,
    strip_title_words,
)
from waymark.reading.person import (
    Person,
    absorbed,
    completes,
    fits_pronoun,
    plausible,
    said_again,
    same_person,
)


class PeopleReader(AgeFinder):
    """Reads people from one text; `today` dates a date of birth."""

    def read(self) -> list[Person]:
        mentions = self._mentions()
        ages = self._ages()
        for age in ages:
            self._bind(age, mentions)
        self._lowercase_names(mentions)
        self._bind_bare_ages(mentions)
        self._join_adjacent_ages(mentions)
        self._pronoun_ages(mentions)
        self._shared_ages(mentions)
        self._children_counts(mentions)
        return self._merge(mentions)

    def _mentions(self) -> list[Person]:
        found: list[Person] = []
        for match in ROLE_WORD.finditer(self.text):
            word = match.group(1).lower()
            if word in PLURAL_CHILDREN:
                continue  # plural mentions are read by _children_counts
            singular = word if word in ROLES else word[:-1]
            role, child, parent = ROLES[singular]
            if singular != word:
                continue
            if re.match(r"(?:'s|’s)\b(?!\s*(?:\d|only|now|just|nearly|almost|about))",
                        self.text[match.end():]):
                continue  # "mum's partner", "dad's house": someone else is being described
            if child and NOT_A_PERSON.match(self.text[match.end():]):
                continue  # "child in need plan", "child protection"
            last = found[-1] if found else None
            if child and last is not None and last.is_child and \
                    not self.text[last.end:match.start()].strip():
                last.end = match.end()  # "baby boy", "teenage daughter": one child
                continue
            found.append(Person(role=role, is_child=child, is_parent=parent,
                                start=match.start(), end=match.end()))
        for run in NAME.finditer(self.text):
            named = strip_title_words(run)
            if named is None:
                continue
            match = named
            name = match.group()
            if name in NOT_NAMES or PLACE_AFTER.match(self.text[match.end():]) or \
                    TITLE_BEFORE.search(self.text[:match.start()]):
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
            BARE_AGE.match(after)
            or re.match(r"^\s*,?\s*(?:who|aged?|is|'s|dob|d\.o\.b|born|was born)\b", after, re.I)
            or SCHOOL_YEAR.match(after.lstrip(" ,(-:")) or re.match(r"^\s*\(", after)
            or re.search(r"\b(?:son|daughter|mum|dad|mother|father|baby|child|brother|sister|"
                         r"stepdad|nan|partner|pupil|name|named|called|children|kids)\W{0,3}$",
                         before, re.I)
            or re.match(r"^\s*(?:and|&)\s+[A-Z][a-z]+", after)
            or re.search(r"[A-Z][a-z]+,?\s+(?:and|&)\s+$", before))

    def _previous(self, mentions: list[Person], start: int) -> Person | None:
        """The mention that ends right before `start`, joined to it by link words only."""
        best = None
        for person in mentions:
            if person.end <= start and LINK.match(self.text[person.end:start]):
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

    def _bind(self, age: Age, mentions: list[Person]) -> None:
        target = self._next_role(mentions, age.end) if age.child_form else None
        target = target or self._previous(mentions, age.start)
        if target is None and not age.child_form:
            target = self._pronoun_referent(mentions, age.start)
        if target is None:
            target = self._next_role(mentions, age.end)
        if target is not None and not plausible(target, age.years, age.school_year):
            target = None
        if target is not None and completes(target, age.years, age.school_year):
            self._add_age(target, age.years, age.school_year, age.words)
            target.end = max(target.end, age.end)  # "Kayden (Year 3, aged 7)": the mention
            return  # now runs to its year group, so the age after it is linked to it too
        if target is None or target.age_years is not None or target.school_year is not None:
            target = Person(start=age.start, end=age.end)
            mentions.append(target)
            mentions.sort(key=lambda p: p.start)
        self._set_age(target, age.years, age.school_year, age.words)

    def _pronoun_referent(self, mentions: list[Person], start: int) -> Person | None:
        """'Noah … he turned 5': the most recent person in this or the last sentence that has
        no age yet, when a pronoun stands right before the age."""
        window = self.text[max(0, start - 25):start]
        pronoun = list(PRONOUN.finditer(window))
        if not pronoun or not LINK.match(window[pronoun[-1].end():]):
            return None
        word = pronoun[-1].group(1).lower()
        sentence_start = max((m.end() for m in SENTENCE_END.finditer(self.text[:start])),
                             default=0)
        earlier = max((m.end() for m in SENTENCE_END.finditer(self.text[:sentence_start - 1])),
                      default=0) if sentence_start else 0
        for person in reversed(mentions):
            if earlier <= person.start < start and person.age_years is None and \
                    (person.name or person.is_child) and fits_pronoun(person, word):
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
            if named and named.group(1) not in CHAT_WORDS and named.group(1) not in ROLES:
                person.name = named.group(1).capitalize()
                person.end += named.end()

    def _bind_bare_ages(self, mentions: list[Person]) -> None:
        """'Leah is 6', 'mum 34', 'Shannon (23)', 'parents both 30': a plain number right after
        a person."""
        for person in list(mentions):
            if person.age_years is not None:
                continue
            match = BARE_AGE.match(self.text[person.end:person.end + 40])
            if not match:
                continue
            start = person.end + match.start("num")
            end = person.end + match.end("num")
            if not self._free(start, end) or NOT_AGE_AFTER.match(self.text[end:]) or \
                    self._past_or_gestation(start, self.text[start:end + 8]):
                continue
            age = in_years(float(match["num"]))
            if not plausible(person, age, None) or not completes(person, age, None):
                continue
            unit = re.match(rf"\s*({UNIT})(?![\w/])", self.text[end:], re.I)
            if unit:
                age = years_from(match["num"], unit.group(1))
                end += unit.end()
            elif person.role is None and not match["gap"].strip() and not re.match(
                    r"\s*(?:[,;.)&]|and\b|$)", self.text[end:]):
                continue  # "Grade 1 missing": a name and its age stand apart from what follows
            self._taken.append((start, end))
            self._add_age(person, age, None, self.text[person.start:end])
            person.end = end

    def _join_adjacent_ages(self, mentions: list[Person]) -> None:
        """'Tyler (14, Year 9)', 'Year 10, Jade (15)': a year group or age standing alone right
        beside a person it fits is that person's."""
        for lone in [p for p in mentions if p.name is None and p.role is None]:
            for other in mentions:
                if other is lone:
                    continue
                gap = self.text[other.end:lone.start] if other.end <= lone.start \
                    else self.text[lone.end:other.start] if lone.end <= other.start else "-"
                if re.fullmatch(r"[\s,;:()-]*", gap) and completes(other, lone.age_years,
                                                                    lone.school_year):
                    self._add_age(other, lone.age_years, lone.school_year, lone.words[-1])
                    mentions.remove(lone)
                    break

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
        for match in PRONOUN_AGE.finditer(self.text):
            bare = BARE_AGE.match(self.text[match.end():match.end() + 30])
            if not bare:
                continue
            start, end = match.end() + bare.start("num"), match.end() + bare.end("num")
            if not self._free(start, end) or NOT_AGE_AFTER.match(self.text[end:]) or \
                    NOT_AGE_BEFORE.search(self.text[max(0, start - 14):start]):
                continue
            age = in_years(float(bare["num"]))
            speaker = match["who"].lower() == "i"
            target = (self._speaker(mentions, match.start()) if speaker
                      else self._pronoun_referent(mentions, start))
            target = target or Person(start=match.start(), end=end)
            if not plausible(target, age, None):
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

    def _merge(self, mentions: list[Person]) -> list[Person]:
        counts = [p for p in self.people if p.role and p.role.startswith("count:")]
        listed = [p for p in self.people if p not in counts]
        people: list[Person] = []
        for person in [*mentions, *listed]:
            self._classify(person)
            same = next((p for p in people if same_person(p, person)), None)
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
        people = [p for p in people if not absorbed(p, people)]
        people = [p for p in people if not said_again(p, listed)]
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
            r"\b(pregnan\w*|due|expecting|unborn|antenatal|gestation|weeks along|weeks gone)\b",
            self._sentence(person), re.I))

    def _classify(self, person: Person) -> None:
        if person.is_child is not None or person.role is not None:
            if person.is_child and person.age_years is not None and person.age_years >= 18 \
                    and person.role in ("brother", "sister", "sibling", "son", "daughter"):
                person.is_child = False  # an adult son is family, not a child of the case
            return
        if person.school_year is not None and person.age_years is None:
            person.is_child = True
        elif person.age_years is not None:
            expecting = re.search(r"\b(pregnant|expecting|due|weeks along|antenatal|midwife|to-be|"
                                  r"primip|her baby|his baby|her son|her daughter|his son|"
                                  r"his daughter)\b", self._sentence(person), re.I)
            person.is_child = person.age_years < 18 and not (
                expecting and person.age_years >= 13 and person.name is not None)
            person.is_parent = not person.is_child


def read_people(text: str, today: dt.date | None = None) -> list[Person]:
    """Every person `text` mentions with what it says of them."""
    return PeopleReader(text, today).read()
