"""Eligibility, signposting, threshold and audit on a real store: every criterion type with its
boundaries, unknowns and exclusions; extraction with negation; audit statistics by hand."""

from __future__ import annotations

import pytest

from waymark.audit import AuditCase, cohen_kappa, confusion, parse_csv, run_audit
from waymark.cases import Cases
from waymark.errors import CaseInputError, UnknownService


def statuses(result: dict) -> dict[str, str]:
    return {c["criterion"]: c["status"] for c in result["criteria"]}


def test_meets_with_every_criterion_cited(cases: Cases) -> None:
    family = {"parents": [{"age_years": 19}], "pregnant": True, "postcode": "NB2 4QT",
              "needs": ["first-time-parent"], "consent": True}
    result = cases.eligibility("t-fnp", family=family)
    assert result["verdict"] == "meets" and result["escalation"] is None
    assert statuses(result) == {"parent_age": "met", "pregnancy": "met", "areas": "met",
                                "needs_all": "met", "consent_required": "met"}
    quotes = {c["criterion"]: c["citation"]["quote"] for c in result["criteria"]}
    assert "19 or under" in quotes["parent_age"]
    assert "must agree to a referral" in quotes["consent_required"]
    assert result["family"]["postcode"] == "NB2 4QT"
    assert "never decides" in result["advisory"]


@pytest.mark.parametrize("change, criterion, verdict", [
    ({"parents": [{"age_years": 20}]}, "parent_age", "does_not_meet"),
    ({"pregnant": False}, "pregnancy", "does_not_meet"),
    ({"postcode": "NB10 1AA"}, "areas", "does_not_meet"),
    ({"postcode": "LS6 2AB"}, "areas", "does_not_meet"),
    ({"consent": False}, "consent_required", "does_not_meet"),
    ({"consent": None}, "consent_required", "needs_more_information"),
    ({"parents": None}, "parent_age", "needs_more_information"),
    ({"postcode": None}, "areas", "needs_more_information"),
    ({"needs": []}, "needs_all", "needs_more_information"),
])
def test_each_criterion_at_its_boundary(cases: Cases, change: dict, criterion: str,
                                        verdict: str) -> None:
    family = {"parents": [{"age_years": 19}], "pregnant": True, "postcode": "NB2 4QT",
              "needs": ["first-time-parent"], "consent": True, **change}
    family = {k: v for k, v in family.items() if v is not None}
    result = cases.eligibility("t-fnp", family=family)
    assert result["verdict"] == verdict
    assert statuses(result)[criterion] == ("not_met" if verdict == "does_not_meet"
                                           else "unknown")
    if verdict == "needs_more_information":
        assert result["missing"], "the questions to ask the family are listed"


def test_child_age_levels_needs_any_and_exclusions(cases: Cases) -> None:
    base = {"children": [{"age_years": 11}], "needs": ["persistent-absence"]}
    assert cases.eligibility("t-group", family=base)["verdict"] == "meets"
    older = cases.eligibility("t-group", family={**base, "children": [{"age_years": 11.5}]})
    assert statuses(older)["child_age"] == "not_met"
    excluded = cases.eligibility("t-group", family={
        **base, "needs": ["persistent-absence", "open-child-protection-plan"]})
    assert statuses(excluded)["excludes"] == "not_met"
    assert excluded["verdict"] == "does_not_meet"
    # no need of the list known: unknown, never "no"; the suggested level (1) is not accepted
    unknown_need = cases.eligibility("t-group", family={"children": [{"age_years": 5}]})
    assert statuses(unknown_need)["needs_any"] == "unknown"
    assert statuses(unknown_need)["levels"] == "not_met"
    assert "suggested threshold level" in next(
        c["detail"] for c in unknown_need["criteria"] if c["criterion"] == "levels")
    stated = cases.eligibility("t-group", family={**base, "level": 3})
    assert stated["level_used"] == {"level": 3, "source": "stated"}


def test_free_text_with_negation_and_unknowns(cases: Cases) -> None:
    result = cases.eligibility("t-group", text=(
        "Twins aged 4, no worries about missing school now. Dad used to drink, sober two years. "
        "Family live in NB1 3XY."))
    assert result["family"]["children"] == [{"age_years": 4.0}, {"age_years": 4.0}]
    assert result["family"]["needs"] == [] and "consent" not in result["family"]
    assert result["verdict"] == "does_not_meet"  # level 1 suggested: no level 2-3 need stated
    evidence = {e["fact"] for e in result["family"]["extracted_from_text"]}
    assert {"child age", "postcode"} <= evidence


def test_threshold_suggestion_and_escalation(cases: Cases) -> None:
    result = cases.threshold(text="8yo keeps missing school and dad hits mum at home.")
    assert result["level"] == 3 and result["level_name"] == "Multi-agency"
    assert [(i["need"], i["level"]) for i in result["indicators"]] == [
        ("domestic-abuse", 3), ("persistent-absence", 2)]
    assert result["indicators"][0]["citation"]["section"] == "Threshold > Level 3 needs"
    # violence at home with a child there may be read as a possible risk: never a firm one
    assert result["escalation"] is None or result["escalation"]["certainty"] == "borderline"
    risk = cases.threshold(text="She says she is scared to go home.")
    assert risk["level"] == 4 and risk["escalation"]["actions"][0].startswith("If a child")
    assert cases.threshold(family={})["level"] == 1


def test_a_risk_named_in_a_text_about_no_one_sets_no_level(cases: Cases) -> None:
    """A training question naming a risk describes no family: no escalation, and no level 4."""
    policy = cases.threshold(text="When is the next training on 'scared to go home' "
                                  "disclosures? No case, it's for my CPD.")
    assert policy["escalation"] is None and policy["level"] == 1
    assert policy["family"]["needs"] == []
    # the same words about a person are a risk, whatever else the text says
    person = cases.threshold(text="Is there a session coming up? Asking because a pupil told "
                                  "me today she is scared to go home.")
    assert person["escalation"] is not None and person["level"] == 4


def test_signpost_orders_meets_first_and_advises_when_nothing_fits(cases: Cases) -> None:
    result = cases.signpost(family={"children": [{"age_years": 6}], "needs": [
        "persistent-absence"], "postcode": "NB1 1AA"})
    assert [(s["service_id"], s["verdict"]) for s in result["services"]] == [
        ("t-group", "meets"), ("t-fnp", "needs_more_information")]
    assert result["services"][0]["referral"]["contact"] == "01632 960999"
    assert result["services"][0]["reasons"]
    nothing = cases.signpost(family={"children": [{"age_years": 15}], "pregnant": False,
                                     "needs": ["open-child-protection-plan"]})
    assert nothing["services"] == []
    assert "children's social care" in nothing["advice"]["message"]


def test_escalation_comes_first_in_every_answer(cases: Cases) -> None:
    family = {"needs": ["disclosure-of-harm"]}
    for result in (cases.eligibility("t-group", family=family), cases.signpost(family=family),
                   cases.threshold(family=family)):
        assert next(iter(result)) == "escalation" and result["escalation"] is not None


@pytest.mark.parametrize("call, message", [
    (lambda c: c.eligibility("t-nope", family={}), "no service 't-nope'"),
    (lambda c: c.threshold(text="   "), "the text is empty"),
    (lambda c: c.threshold(), "give either 'family'"),
    (lambda c: c.threshold(family={"children": [{"age_years": 140}]}),
     "family.children.0.age_years: Input should be less than or equal to 25"),
    (lambda c: c.threshold(family={"needs": ["made-up"]}), "['made-up'] are not taxonomy terms"),
    (lambda c: c.threshold(family={"postcode": "nowhere"}), "is not a UK postcode"),
    (lambda c: c.threshold(family={"pets": 2}), "family.pets: Extra inputs are not permitted"),
])
def test_bad_input_gets_a_specific_message(cases: Cases, call, message: str) -> None:
    with pytest.raises((CaseInputError, UnknownService)) as caught:
        call(cases)
    assert message in str(caught.value)


def test_audit_statistics_match_hand_computed_values(cases: Cases) -> None:
    # applied vs suggested: (2,2) (3,3) (2,3) (1,1) (3,2) -> po = 3/5;
    # applied 1:1 2:2 3:2, suggested 1:1 2:2 3:2 -> pe = (1+4+4)/25 = 0.36;
    # kappa = (0.6 - 0.36) / 0.64 = 0.375
    pairs = [(2, 2), (3, 3), (2, 3), (1, 1), (3, 2)]
    assert cohen_kappa(pairs) == 0.375
    assert confusion(pairs)["matrix"] == [[1, 0, 0], [0, 1, 1], [0, 1, 1]]
    report = run_audit(cases, [
        AuditCase("A", 2, "Keeps missing school."),
        AuditCase("B", 3, "Dad drinks heavily."),
        AuditCase("C", 2, "Domestic abuse at home."),
        AuditCase("D", 1, "All fine."),
        AuditCase("E", 3, None, {"needs": ["persistent-absence"]}),
    ])
    assert [(r["case_ref"], r["suggested_level"], r["agrees"]) for r in report["cases"]] == [
        ("A", 2, True), ("B", 3, True), ("C", 3, False), ("D", 1, True), ("E", 2, False)]
    assert report["agreement"] == 0.6 and report["kappa"] == 0.375
    assert report["disagreements"] == ["C", "E"]
    assert report["cases"][2]["indicators"][0]["citation"]["quote"]


def test_audit_csv_errors_name_the_line() -> None:
    with pytest.raises(CaseInputError, match="line 3: applied_level 'two' is not a whole"):
        parse_csv("case_ref,text,applied_level\nA,fine,1\nB,also fine,two\n")
    with pytest.raises(CaseInputError, match="needs the columns case_ref, applied_level"):
        parse_csv("ref,level\nA,1\n")


@pytest.mark.parametrize(("text", "facts"), [
    ("HV pre-birth contact at 24/40. Kelsey is 18.", {"pregnant": True}),
    ("girlfriend is 16 and 30 weeks gone", {"pregnant": True}),
    ("A pregnancy test today was negative. She would like a referral.",
     {"pregnant": False, "consent": True}),
    ("mum struggles w bedtimes. AG7, mum up for it", {"consent": True}),
    ("Mum and Jayden both said yes to a referral.", {"consent": True}),
    ("He's agreed to us helping.", {"consent": True}),
    ("Dad agreed to officers passing on his details.", {"consent": True}),
    ('"we don\'t want any courses or anyone coming round, thanks."', {"consent": False}),
    ("He doesn't want to go home tonight.", {}),
])
def test_pregnancy_and_consent_in_practitioners_words(cases: Cases, text: str,
                                                      facts: dict) -> None:
    family = cases.threshold(text=text)["family"]
    assert {k: family[k] for k in ("pregnant", "consent") if k in family} == facts
