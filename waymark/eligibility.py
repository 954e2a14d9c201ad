"""Does this family meet a service specification? Each criterion of the service's front matter
is met, not met or unknown, explained in plain English and cited from the specification.

Rules (DESIGN.md; knowledge/README.md tells content owners the same):
- any criterion not met → does_not_meet; else any unknown → needs_more_information; else meets;
- unknown is never read as "no": a need that is not mentioned makes `needs_any`/`needs_all`
  unknown, never not met; a missing age, postcode, pregnancy or consent is unknown;
- `excludes` is met unless an excluded circumstance is known;
- `levels` uses the stated level, else the suggested threshold level (and says so);
- an unborn baby counts as a child aged 0 when the service allows or requires pregnancy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from waymark.citations import Citation
from waymark.criterion_citations import cite_criterion
from waymark.family import Family
from waymark.models import AgeRange, Eligibility, ServiceMeta, Taxonomy
from waymark.store import Store, StoredDocument

Status = Literal["met", "not_met", "unknown"]
Verdict = Literal["meets", "does_not_meet", "needs_more_information"]


@dataclass
class Criterion:
    criterion: str
    status: Status
    detail: str
    question: str | None = None  # what to ask the family when unknown
    citation: Citation | None = None

    def to_json(self, n: int = 1) -> dict[str, Any]:
        return {"criterion": self.criterion, "status": self.status, "detail": self.detail,
                "citation": self.citation.to_json(n) if self.citation else None}


@dataclass
class Assessment:
    service: StoredDocument
    criteria: list[Criterion]
    level_used: int | None = None
    level_source: str | None = None
    matched_needs: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        statuses = {c.status for c in self.criteria}
        if "not_met" in statuses:
            return "does_not_meet"
        return "needs_more_information" if "unknown" in statuses else "meets"

    @property
    def missing(self) -> list[str]:
        return [c.question for c in self.criteria if c.status == "unknown" and c.question]


def _years(value: float) -> str:
    if value < 2 and value != int(value):
        return f"{round(value * 12)} months"
    return f"{value:g}"


def _range_text(age: AgeRange) -> str:
    if age.min_years is not None and age.max_years is not None:
        return f"aged {_years(age.min_years)} to {_years(age.max_years)}"
    if age.max_years is not None:
        return f"aged up to {_years(age.max_years)}"
    return f"aged {_years(age.min_years or 0)} or over"


def _in_range(age: float, rng: AgeRange) -> bool:
    return (rng.min_years is None or age >= rng.min_years) and (
        rng.max_years is None or age <= rng.max_years)


class Checker:
    """Checks one family against one service; each criterion is a method."""

    def __init__(self, family: Family, rules: Eligibility, taxonomy: Taxonomy,
                 suggested_level: int) -> None:
        self.family = family
        self.rules = rules
        self.labels = {t.id: t.label for t in taxonomy.terms}
        self.suggested_level = suggested_level

    def label(self, term: str) -> str:
        return self.labels.get(term, term.replace("-", " "))

    def labels_of(self, terms: list[str]) -> str:
        return ", ".join(self.label(t) for t in terms)

    def child_age(self, rng: AgeRange) -> Criterion:
        ages = self.family.child_ages()
        unborn = self.family.pregnant is True and self.rules.pregnancy in ("allowed", "required")
        wanted = _range_text(rng)
        if unborn and _in_range(0, rng):
            return Criterion("child_age", "met", f"The expected baby counts (service: child "
                             f"{wanted}).")
        fits = [a for a in ages if _in_range(a, rng)]
        if fits:
            return Criterion("child_age", "met", f"A child aged {_years(fits[0])} is in range "
                             f"(service: child {wanted}).")
        unaged = len(self.family.children or []) > len(ages)
        if ages and not unaged:
            known = ", ".join(_years(a) for a in ages)
            return Criterion("child_age", "not_met", f"No child is {wanted} (children's ages: "
                             f"{known}).")
        if ages:
            return Criterion("child_age", "unknown", f"The service is for a child {wanted}; no "
                             "child whose age is known is in range, and some ages are not known.",
                             "How old are the children?")
        return Criterion("child_age", "unknown", f"The service is for a child {wanted}; the "
                         "children's ages are not known.", "How old are the children?")

    def parent_age(self, rng: AgeRange) -> Criterion:
        ages = self.family.parent_ages()
        wanted = _range_text(rng)
        fits = [a for a in ages if _in_range(a, rng)]
        if fits:
            return Criterion("parent_age", "met", f"A parent aged {_years(fits[0])} is in range "
                             f"(service: parent {wanted}).")
        if ages:
            return Criterion("parent_age", "not_met", f"No parent is {wanted} (parents' ages: "
                             f"{', '.join(_years(a) for a in ages)}).")
        return Criterion("parent_age", "unknown", f"The service is for a parent {wanted}; the "
                         "parents' ages are not known.", "How old are the parents?")

    def pregnancy(self, rule: str) -> Criterion | None:
        pregnant = self.family.pregnant
        if rule == "allowed":
            return None
        if pregnant is None:
            return Criterion("pregnancy", "unknown", f"Pregnancy is {rule} by this service; it "
                             "is not known whether anyone is pregnant.", "Is the mother pregnant?")
        if rule == "required":
            return Criterion("pregnancy", "met" if pregnant else "not_met",
                             "The mother is pregnant." if pregnant else
                             "The service is for pregnant women, and the mother is not pregnant.")
        return Criterion("pregnancy", "not_met" if pregnant else "met",
                         "The service does not take pregnant women, and the mother is pregnant."
                         if pregnant else "The mother is not pregnant.")

    def areas(self, areas: list[str]) -> Criterion:
        district = self.family.district
        listed = ", ".join(areas)
        if district is None:
            return Criterion("areas", "unknown", f"The service covers {listed}; the family's "
                             "postcode is not known.", "What is the family's postcode?")
        if district in areas:
            return Criterion("areas", "met", f"{district} is in the area covered ({listed}).")
        return Criterion("areas", "not_met", f"{district} is outside the area covered "
                         f"({listed}).")

    def levels(self, levels: list[int]) -> Criterion:
        stated = self.family.level
        level = stated if stated is not None else self.suggested_level
        source = "the level stated" if stated is not None else "the suggested threshold level"
        listed = ", ".join(map(str, levels))
        ok = level in levels
        return Criterion("levels", "met" if ok else "not_met",
                         f"Level {level} ({source}) is {'' if ok else 'not '}among the levels "
                         f"the service accepts ({listed}).")

    def needs_any(self, needs: list[str]) -> Criterion:
        have = [n for n in needs if n in self.family.terms]
        if have:
            return Criterion("needs_any", "met", f"The family has {self.labels_of(have)}.")
        return Criterion("needs_any", "unknown", "The service is for families with any of: "
                         f"{self.labels_of(needs)}; none of these is known.",
                         f"Does the family have any of: {self.labels_of(needs)}?")

    def needs_all(self, needs: list[str]) -> Criterion:
        lacking = [n for n in needs if n not in self.family.terms]
        if not lacking:
            return Criterion("needs_all", "met", f"The family has {self.labels_of(needs)}.")
        return Criterion("needs_all", "unknown", "The service is for families with all of: "
                         f"{self.labels_of(needs)}; not known: {self.labels_of(lacking)}.",
                         f"Does the family have {self.labels_of(lacking)}?")

    def excludes(self, excluded: list[str]) -> Criterion:
        present = [n for n in excluded if n in self.family.terms]
        if present:
            return Criterion("excludes", "not_met", "The service does not take families with "
                             f"{self.labels_of(present)}.")
        return Criterion("excludes", "met", f"None of the exclusions is known "
                         f"({self.labels_of(excluded)}); check before referring.")

    def consent(self, required: bool) -> Criterion | None:
        if not required:
            return None
        consent = self.family.consent
        if consent is None:
            return Criterion("consent_required", "unknown", "The service needs the family's "
                             "consent; it is not known whether they agree.",
                             "Does the family agree to the referral?")
        return Criterion("consent_required", "met" if consent else "not_met",
                         "The family consents." if consent else
                         "The family has not consented, and the service needs their consent.")

    def criteria(self) -> list[Criterion]:
        rules = self.rules
        checks: list[tuple[Any, Callable[[Any], Criterion | None]]] = [
            (rules.child_age, self.child_age), (rules.parent_age, self.parent_age),
            (rules.pregnancy, self.pregnancy), (rules.areas, self.areas),
            (rules.levels, self.levels), (rules.needs_any, self.needs_any),
            (rules.needs_all, self.needs_all), (rules.excludes, self.excludes),
            (rules.consent_required, self.consent),
        ]
        found = [check(value) for value, check in checks if value]
        return [c for c in found if c is not None]


def assess(service: StoredDocument, family: Family, taxonomy: Taxonomy, suggested_level: int,
           store: Store | None = None) -> Assessment:
    """Every criterion of `service` for `family`, each cited from the specification."""
    meta = service.meta
    assert isinstance(meta, ServiceMeta)
    checker = Checker(family, meta.eligibility, taxonomy, suggested_level)
    criteria = checker.criteria()
    if store is not None:
        for criterion in criteria:
            criterion.citation = cite_criterion(store, service, criterion.criterion,
                                                meta.eligibility, checker.labels)
    wanted = set(meta.eligibility.needs_any) | set(meta.eligibility.needs_all)
    return Assessment(service, criteria,
                      family.level if family.level is not None else suggested_level,
                      "stated" if family.level is not None else "suggested",
                      sorted(wanted & family.terms))
