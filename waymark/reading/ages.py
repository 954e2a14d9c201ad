"""Age arithmetic: units to years, dates of birth, how an age is shown."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from waymark.tokens import NUMBER_WORD, number_value

_SPELT_AGE = re.compile(rf"\b({NUMBER_WORD})\b(?=[\s-]*(?:years?|yrs?|yo\b|"
                        r"months?|mths?|weeks?|wks?|days?|-year|year-old))", re.I)


@dataclass
class Age:
    """An age found in the text, before it is bound to a person."""

    years: float | None
    school_year: int | None
    start: int
    end: int
    words: str
    child_form: bool = False  # "a 6-year-old", "6yo": the form itself names a person


def format_age(years: float) -> str:
    if years >= 2 or years == int(years):
        return str(int(years)) if years == int(years) else f"{years:g}"
    months = round(years * 12)
    return f"{round(years * 52)} weeks" if months < 3 else f"{months} months"


_AND_A_HALF = re.compile(rf"\b(\d{{1,2}}|{NUMBER_WORD}) and a half\b", re.I)


def _value(word: str) -> int | None:
    return int(word) if word.isdigit() else number_value(word)


def normalise_numbers(text: str) -> str:
    """'two-year-old' → '2-year-old', 'two and a half' → '2.5'; other words are left alone."""
    text = _AND_A_HALF.sub(lambda m: f"{_value(m.group(1))}.5", text)
    return _SPELT_AGE.sub(lambda m: str(number_value(m.group(1))), text)


def years_from(num: str, unit: str | None) -> float:
    value = float(num)
    unit = (unit or "years").lower()
    if unit.startswith(("month", "mth", "mnth", "mo", "m/o")):
        return in_years(value / 12)
    if unit.startswith(("week", "wk", "w/o")):
        return in_years(value / 52)
    if unit.startswith("day"):
        return round(value / 365, 3)
    return value


def in_years(years: float) -> float:
    """Babies in fractions of a year; from 2, whole years (a 27-month-old is 2)."""
    return float(int(years)) if years >= 2 else round(years, 2)


def age_from_dob(day: int, month: int, year: int, today: dt.date) -> float | None:
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
