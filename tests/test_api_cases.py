"""The case routes over real HTTP: eligibility, signpost, threshold and the audit upload."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from conftest import serving

from waymark.api.app import create_app
from waymark.cases import Cases
from waymark.config import Settings


@pytest.fixture
def url(cases: Cases, settings: Settings) -> Iterator[str]:
    with serving(create_app(settings)) as base:
        yield base


def test_eligibility_signpost_threshold(url: str) -> None:
    family = {"parents": [{"age_years": 18}], "pregnant": True, "postcode": "NB1 2AB",
              "needs": ["first-time-parent"], "consent": True}
    reply = httpx.post(f"{url}/eligibility", json={"service_id": "t-fnp", "family": family})
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) >= {"service_id", "verdict", "criteria", "missing", "family", "escalation",
                         "advisory"}
    assert body["verdict"] == "meets"
    text = httpx.post(f"{url}/eligibility", json={
        "service_id": "t-fnp", "text": "Mum is 18, 20 weeks pregnant with her first baby, lives "
                                       "in NB1 2AB, happy to be referred."}).json()
    assert text["verdict"] == "meets", text["criteria"]
    signpost = httpx.post(f"{url}/signpost", json={"family": family, "limit": 5}).json()
    assert signpost["services"][0]["service_id"] == "t-fnp"
    threshold = httpx.post(f"{url}/threshold", json={"text": "keeps missing school"}).json()
    assert threshold["level"] == 2 and threshold["indicators"][0]["need"] == "persistent-absence"


@pytest.mark.parametrize("route, payload, status, message", [
    ("/eligibility", {"service_id": "t-nope", "family": {}}, 404, "no service 't-nope'"),
    ("/threshold", {"text": ""}, 422, "the text is empty"),
    ("/threshold", {}, 422, "give either 'family'"),
    ("/threshold", {"family": {"children": [{"age_years": -1}]}}, 422, "greater than or equal"),
    ("/signpost", {"family": {}, "limit": 0}, 422, "greater than or equal to 1"),
    ("/threshold", {"family": {"needs": ["nope"]}}, 422, "not taxonomy terms"),
])
def test_bad_input_is_a_4xx_with_a_message(url: str, route: str, payload: dict, status: int,
                                           message: str) -> None:
    reply = httpx.post(f"{url}{route}", json=payload)
    assert reply.status_code == status and message in reply.text


CSV = "case_ref,text,applied_level\nA,Keeps missing school.,2\nB,Domestic abuse at home.,2\n"


def test_audit_json_csv_upload_and_formats(url: str) -> None:
    as_json = httpx.post(f"{url}/threshold/audit", json={"cases": [
        {"case_ref": "A", "text": "Keeps missing school.", "applied_level": 2},
        {"case_ref": "B", "family": {"needs": ["domestic-abuse"]}, "applied_level": 2}]}).json()
    assert [(c["case_ref"], c["suggested_level"]) for c in as_json["cases"]] == [("A", 2),
                                                                                ("B", 3)]
    assert as_json["agreement"] == 0.5 and "kappa" in as_json
    upload = httpx.post(f"{url}/threshold/audit", files={"file": ("cases.csv", CSV, "text/csv")})
    assert upload.status_code == 200, upload.text
    assert upload.json()["disagreements"] == ["B"]
    body = httpx.post(f"{url}/threshold/audit?format=csv", content=CSV,
                      headers={"content-type": "text/csv"})
    assert body.headers["content-type"].startswith("text/csv")
    assert body.text.splitlines()[2].startswith("B,2,3,no")
    page = httpx.post(f"{url}/threshold/audit?format=html", content=CSV,
                      headers={"content-type": "text/csv"})
    assert page.text.startswith("<!doctype html>") and "Cohen's kappa" in page.text
    assert "<script" not in page.text
    bad = httpx.post(f"{url}/threshold/audit", content="ref\nA\n",
                     headers={"content-type": "text/csv"})
    assert bad.status_code == 422 and "needs the columns" in bad.text
