"""A person a note mentions, and how two mentions are found to be the same person."""

from __future__ import annotations

from dataclasses import dataclass, field

from waymark.reading.ages import format_age
from waymark.reading.people_words import CHILD_ROLES, FEMALE, MALE, SPOKEN


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
        role = SPOKEN.get(self.role or "", (self.role or "").capitalize())
        label = self.name or (role if self.role else "child" if self.is_child else "adult")
        if self.name and self.role and not self.is_child:
            label = f"{role} {self.name}"
        if self.age_years is not None:
            return f"{label} {format_age(self.age_years)}"
        if self.school_year is not None:
            return f"{label} (Year {self.school_year})"
        return label


def fits_pronoun(person: Person, pronoun: str) -> bool:
    """'he' is not the mother, 'she' is not the father."""
    if pronoun == "he":
        return person.role not in FEMALE
    if pronoun == "she":
        return person.role not in MALE
    return True


def said_again(person: Person, listed: list[Person]) -> bool:
    """'kids 4 & 7 … the 4yo': an unnamed child given again by age is one the list gave."""
    if person in listed or person.name or not person.is_child or person.age_years is None:
        return False
    return any(other.is_child and other.age_years == person.age_years and other.start <
               person.start for other in listed)


def absorbed(person: Person, people: list[Person]) -> bool:
    """'the child … the 6yo': a bare child mention refers to a child the text describes."""
    if not person.is_child or person.name or person.age_years is not None or \
            person.school_year is not None:
        return False
    return any(other is not person and other.is_child and (
        other.role in (None, person.role) or _generic_word_for(person, other))
        and (other.name or other.age_years is not None or other.school_year is not None)
        for other in people)


def _generic_word_for(mention: Person, child: Person) -> bool:
    """'her daughter, now 4 months old … the baby', 'his son (6) … the child': a generic word
    for a child the text describes (a baby is under 2, a toddler under 4)."""
    if mention.role == "child":
        return True
    under = {"baby": 2, "toddler": 4}.get(mention.role or "")
    return under is not None and child.age_years is not None and child.age_years < under


def plausible(person: Person, years: float | None, school_year: int | None) -> bool:
    """An adult is not 7, and a child is not 40."""
    if person.is_child is False:
        return school_year is None and (years is None or 12 <= years <= 100)
    if person.is_child:
        grown_up = person.role in ("brother", "sister", "sibling", "son", "daughter")
        return years is None or years <= (100 if grown_up else 25)
    return years is None or years <= 100


def in_school_year(years: float, school_year: int) -> bool:
    """England: a child in Year N turns N + 5 during the school year (Reception is Year 0)."""
    return school_year + 4 <= years < school_year + 6


def completes(person: Person, years: float | None, school_year: int | None) -> bool:
    """An age that says more about a person without contradicting them: any age for a person
    with none, an age that fits their year group, a year group that fits their age."""
    if person.age_years is None and person.school_year is None:
        return True
    if years is not None and person.age_years is None and person.school_year is not None:
        return in_school_year(years, person.school_year)
    if school_year is not None and person.school_year is None and person.age_years is not None:
        return in_school_year(person.age_years, school_year)
    return False


def same_person(a: Person, b: Person) -> bool:
    """The same person mentioned twice: the same name, or the same singular parent role."""
    if a.name and b.name:
        return a.name == b.name
    if a.role and a.role == b.role and a.role in ("mother", "father", "stepfather", "stepmother",
                                                   "partner", "grandmother", "grandfather"):
        return True
    if (a.name or b.name) and a.role and a.role == b.role:
        return (a.age_years is None or b.age_years is None) and not (
            a.age_years is None and b.age_years is None and a.role in CHILD_ROLES)
    # a role mention without an age ("the baby") is the aged mention of the same role
    if a.role and a.role == b.role and a.role in CHILD_ROLES:
        return a.age_years is None or b.age_years is None
    return False
