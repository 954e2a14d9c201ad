"""Questions about one family: eligibility, signposting and threshold, each answer escalating
immediate risk first, echoing the facts it used and carrying the advisory line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from waymark import escalation
from waymark.answer import ADVISORY
from waymark.citations import cite_section
from waymark.drafting import UNCONFIRMED
from waymark.eligibility import Assessment, assess
from waymark.errors import CaseInputError, UnknownService
from waymark.extract import Extraction, extract_family
from waymark.family import Family
from waymark.llm import LLM
from waymark.models import ServiceMeta, Taxonomy
from waymark.phrases import PhraseIndex
from waymark.reading.area import area_reader
from waymark.reading.meaning import Reading
from waymark.reading.person import Person
from waymark.reading.summary import person_json, summary_line
from waymark.store import Snapshot, Store, StoredDocument
from waymark.threshold import Suggestion, risk_indicators, suggest, threshold_documents

DECISION_ADVISORY = (ADVISORY + " An eligibility, signposting or threshold answer is a "
                     "suggestion to support your professional judgement, not a decision.")


@dataclass
class Case:
    """A family as Waymark understood it: the facts, where each came from, the text if any."""

    family: Family
    text: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    reading: Reading | None = None

    def echo(self, taxonomy: Taxonomy | None = None) -> dict[str, Any]:
        facts = self.family.echo()
        if self.text is not None:
            facts["extracted_from_text"] = self.evidence
            facts["people"] = [person_json(p) for p in self.people]
        facts["summary"] = summary_line(self.family, self.people, taxonomy)
        return facts


def _districts(snapshot: Snapshot) -> set[str]:
    return {area for doc in snapshot.of_kind("service") if isinstance(doc.meta, ServiceMeta)
            for area in doc.meta.eligibility.areas}


def read_case(snapshot: Snapshot, family: dict[str, Any] | Family | None = None,
              text: str | None = None, llm: LLM | None = None) -> Case:
    """Facts from structured JSON or from free text (exactly one of them)."""
    if (family is None) == (text is None):
        raise CaseInputError("give either 'family' (structured facts) or 'text' (a description "
                             "of the family), not both and not neither")
    if text is not None:
        if not text.strip():
            raise CaseInputError("the text is empty: describe the family (ages, where they "
                                 "live, what is going on)")
        phrases = snapshot.derived("need phrases", lambda: PhraseIndex(snapshot.taxonomy))
        extraction = extract_family(text, phrases, _districts(snapshot), area_reader(snapshot))
        if escalation.names_risk_of_no_one(text, extraction.reading, extraction.people):
            _forget_risks(extraction, set(risk_indicators(snapshot)))
        read = llm.family(text, snapshot.taxonomy) if llm else None
        if read is None:
            return Case(extraction.family, text, extraction.evidence, extraction.people,
                        extraction.reading)
        family, added = fill_gaps(extraction.family, read)
        return Case(family, text, extraction.evidence + [
            {"fact": name, "value": value, "source": "llm"} for name, value in added.items()],
            extraction.people, extraction.reading)
    try:
        facts = family if isinstance(family, Family) else Family.model_validate(family)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CaseInputError(f"family.{where}: {first['msg']}") from None
    unknown = facts.unknown_terms(snapshot.taxonomy)
    if unknown:
        raise CaseInputError(f"family needs/circumstances {unknown} are not taxonomy terms of "
                             "this knowledge base; use the ids in taxonomy.yaml")
    return Case(facts)


def _forget_risks(extraction: Extraction, risk_terms: set[str]) -> None:
    """A risk named in a text about no one ("when is the next FGM awareness training?") is no
    fact of a family: it neither escalates nor sets the level."""
    family = extraction.family
    extraction.family = family.model_copy(update={
        "needs": [n for n in family.needs if n not in risk_terms]})
    extraction.evidence = [e for e in extraction.evidence
                           if not (e.get("fact") == "need" and e.get("value") in risk_terms)]


def fill_gaps(rules: Family, model: Family) -> tuple[Family, dict[str, Any]]:
    """The rules' facts, with what they left unknown filled from the model's reading (and any
    further needs the model found): the model adds to the rules, never overrides them."""
    added: dict[str, Any] = {}
    updates: dict[str, Any] = {}
    for name in ("children", "parents", "pregnant", "postcode", "level", "consent"):
        if getattr(rules, name) is None and getattr(model, name) is not None:
            updates[name] = added[name] = getattr(model, name)
    extra = [n for n in model.needs + model.circumstances if n not in rules.terms]
    if extra:
        updates["needs"] = rules.needs + extra
        added["needs"] = extra
    return rules.model_copy(update=updates), added


class Cases:
    def __init__(self, store: Store, llm: LLM | None = None) -> None:
        self.store = store
        self.llm = llm

    def read(self, snapshot: Snapshot, family: dict[str, Any] | Family | None,
             text: str | None) -> Case:
        return read_case(snapshot, family, text, self.llm)

    def escalation_for(self, case: Case, snapshot: Snapshot) -> dict[str, Any] | None:
        signals = escalation.detect(case.text or "", snapshot, case.family.terms, case.reading,
                                    case.people)
        return escalation.escalation(signals, self.store)

    def service(self, snapshot: Snapshot, service_id: str) -> StoredDocument:
        doc = snapshot.documents.get(service_id)
        if doc is None or not isinstance(doc.meta, ServiceMeta):
            known = [d for d, doc in snapshot.documents.items() if doc.meta.kind == "service"]
            hint = f"; known services: {', '.join(known)}" if len(known) <= 30 else ""
            raise UnknownService(f"no service {service_id!r} in the knowledge base{hint}")
        return doc

    def eligibility(self, service_id: str, family: dict[str, Any] | Family | None = None,
                    text: str | None = None) -> dict[str, Any]:
        snapshot = self.store.snapshot()
        service = self.service(snapshot, service_id)
        case = self.read(snapshot, family, text)
        level = suggest(case.family, snapshot).level
        result = assess(service, case.family, snapshot.taxonomy, level, self.store)
        return {
            "escalation": self.escalation_for(case, snapshot),
            "service_id": service_id, "title": service.meta.title, "verdict": result.verdict,
            "criteria": [c.to_json(n) for n, c in enumerate(result.criteria, start=1)],
            "missing": result.missing, "level_used": {"level": result.level_used,
                                                      "source": result.level_source},
            "referral": _referral(service), "family": case.echo(snapshot.taxonomy),
            "advisory": DECISION_ADVISORY, **_unconfirmed(service),
        }

    def signpost(self, family: dict[str, Any] | Family | None = None, text: str | None = None,
                 limit: int = 10) -> dict[str, Any]:
        snapshot = self.store.snapshot()
        case = self.read(snapshot, family, text)
        suggestion = suggest(case.family, snapshot)
        assessments = [
            assess(doc, case.family, snapshot.taxonomy, suggestion.level, self.store)
            for doc in snapshot.of_kind("service") if isinstance(doc.meta, ServiceMeta)]
        kept = sorted((a for a in assessments if a.verdict != "does_not_meet"), key=_fit)
        services = [_signpost_row(a) for a in kept[:limit]]
        result: dict[str, Any] = {
            "escalation": self.escalation_for(case, snapshot), "services": services,
            "suggested_level": suggestion.level, "family": case.echo(snapshot.taxonomy),
            "advisory": DECISION_ADVISORY,
        }
        if not any(s["verdict"] == "meets" for s in services):
            result["advice"] = self._nothing_fits(suggestion, snapshot, bool(services))
        return result

    def _nothing_fits(self, suggestion: Suggestion, snapshot: Snapshot,
                      partial: bool) -> dict[str, Any]:
        top = max((lvl.level for d in threshold_documents(snapshot)
                   for lvl in getattr(d.meta, "levels", [])), default=None)
        if top is not None and suggestion.level >= top:
            text = (f"No early help service fits, and the suggested level is {suggestion.level} "
                    f"({suggestion.level_name or 'the highest'}): talk to your manager and "
                    "contact children's social care (the front door) about a referral.")
        elif partial:
            text = ("No service clearly fits yet: the ones listed need more information. Ask "
                    "the family the questions shown, or talk to your early help lead.")
        else:
            text = ("No service in the knowledge base fits this family. Talk to your early help "
                    "lead about an early help assessment or other local support.")
        citation = None
        if suggestion.indicators:
            top_indicator = suggestion.indicators[0]
            found = cite_section(self.store, top_indicator.document,
                                 top_indicator.indicator.section)
            citation = found.to_json(1) if found else None
        return {"message": text, "citation": citation}

    def threshold(self, family: dict[str, Any] | Family | None = None,
                  text: str | None = None) -> dict[str, Any]:
        snapshot = self.store.snapshot()
        case = self.read(snapshot, family, text)
        suggestion = suggest(case.family, snapshot, self.store)
        return {
            "escalation": self.escalation_for(case, snapshot),
            "level": suggestion.level, "level_name": suggestion.level_name,
            "indicators": [m.to_json(n) for n, m in enumerate(suggestion.indicators, start=1)],
            "family": case.echo(snapshot.taxonomy),
            "advisory": DECISION_ADVISORY + " Discuss the level with your manager; it is the "
                        "whole picture, not one indicator, that decides the response.",
        }


def _fit(assessment: Assessment) -> tuple[int, int, int, str]:
    """Meets first; then the services that answer more of the family's needs; then fewer
    unknowns; then by title for a stable order."""
    unknown = sum(c.status == "unknown" for c in assessment.criteria)
    return (assessment.verdict != "meets", -len(assessment.matched_needs), unknown,
            assessment.service.meta.title)


def _referral(service: StoredDocument) -> dict[str, Any]:
    assert isinstance(service.meta, ServiceMeta)
    return service.meta.referral.model_dump(exclude_none=True)


def _signpost_row(assessment: Assessment) -> dict[str, Any]:
    service = assessment.service
    reasons = [c.detail for c in assessment.criteria if c.status == "met"]
    return {
        "service_id": service.doc_id, "title": service.meta.title,
        "verdict": assessment.verdict, "reasons": reasons,
        "missing": assessment.missing,
        "criteria": [c.to_json(n) for n, c in enumerate(assessment.criteria, start=1)],
        "referral": _referral(service),
        "citations": [c.citation.to_json(n) for n, c in enumerate(assessment.criteria, start=1)
                      if c.citation],
        **_unconfirmed(service),
    }


def _unconfirmed(service: StoredDocument) -> dict[str, Any]:
    """A verdict on criteria Waymark proposed (a draft) says so: it is never a plain "meets"."""
    if not service.meta.is_draft:
        return {}
    return {"metadata": "draft",
            "caveat": f"The eligibility criteria of {service.meta.title} were proposed by "
                      f"Waymark from the document's text; {UNCONFIRMED}. Check them in the "
                      "document before relying on this verdict."}

