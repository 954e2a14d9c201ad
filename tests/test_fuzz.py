"""Fuzzing the API with hypothesis: whatever arrives, never a 500 and never a lost document."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from waymark.api.app import create_app
from waymark.cases import Cases
from waymark.config import Settings

pytestmark = pytest.mark.slow

EXAMPLES = 150
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=4),
    max_leaves=12)
ages = st.one_of(st.integers(-5, 200), st.floats(allow_nan=False, allow_infinity=False),
                 st.text(max_size=5),
                 st.none())
families = st.fixed_dictionaries({}, optional={
    "children": st.lists(st.fixed_dictionaries({"age_years": ages}), max_size=3) | json_values,
    "parents": st.lists(st.fixed_dictionaries({"age_years": ages}), max_size=2),
    "pregnant": st.booleans() | json_values,
    "postcode": st.text(max_size=12) | st.sampled_from(["NB1 1AA", "NB10", "LS6 2AB", ""]),
    "needs": st.lists(st.text(max_size=20) | st.sampled_from(["persistent-absence",
                                                              "domestic-abuse"]), max_size=3),
    "level": st.integers(-3, 12) | json_values,
    "consent": st.booleans() | json_values,
})
texts = st.text(max_size=300) | st.sampled_from(["", " ", "a 4yo in NB1", "x" * 6000])
bodies = {
    "/ask": st.one_of(json_values, st.fixed_dictionaries({"question": texts}, optional={
        "kinds": json_values, "doc_ids": json_values, "exclude_stale": json_values})),
    "/eligibility": st.fixed_dictionaries({"service_id": st.text(max_size=20) | st.sampled_from(
        ["t-fnp", "t-group"])}, optional={"family": families, "text": texts}) | json_values,
    "/signpost": st.fixed_dictionaries({}, optional={
        "family": families, "text": texts, "limit": st.integers(-5, 100)}) | json_values,
    "/threshold": st.fixed_dictionaries({}, optional={"family": families, "text": texts}),
    "/threshold/audit": st.fixed_dictionaries({"cases": st.lists(st.fixed_dictionaries(
        {"case_ref": st.text(max_size=10), "applied_level": st.integers(-2, 12)},
        optional={"text": texts, "family": families}), max_size=3)}) | json_values,
}


@pytest.mark.parametrize("route", sorted(bodies))
def test_json_routes_never_fail(cases: Cases, settings: Settings, route: str) -> None:
    client = TestClient(create_app(settings.model_copy(update={"rate_limit_per_minute": 10**6})),
                        client=("127.0.0.1", 5000))
    before = client.get("/sources").json()

    @settings_for_fuzz
    @given(body=bodies[route])
    def check(body: Any) -> None:
        reply = client.post(route, json=body)
        assert reply.status_code < 500, (route, body, reply.text)
        assert reply.status_code in (200, 404, 413, 422), (route, body, reply.status_code)

    check()
    assert client.get("/sources").json() == before, "no document lost or changed"


def test_uploads_never_fail_or_lose_documents(cases: Cases, settings: Settings) -> None:
    client = TestClient(create_app(settings.model_copy(update={"rate_limit_per_minute": 10**6})),
                        client=("127.0.0.1", 5000))
    before = {row["doc_id"] for row in client.get("/sources").json()}

    @settings_for_fuzz
    @given(name=st.text(max_size=20) | st.sampled_from(["a.md", "b.pdf", "c.html", "d.txt",
                                                        "../../etc/passwd.md", "x.exe"]),
           data=st.binary(max_size=2000),
           fields=st.dictionaries(st.sampled_from(["id", "kind", "title", "version",
                                                   "effective", "review_by", "extra"]),
                                  st.text(max_size=30), max_size=5))
    def check(name: str, data: bytes, fields: dict[str, str]) -> None:
        reply = client.post("/sources", files={"file": (name or "f", data)}, data=fields)
        assert reply.status_code in (200, 404, 413, 422), (name, fields, reply.text)
        now = {row["doc_id"] for row in client.get("/sources").json()}
        assert before <= now, "no document lost"

    check()


settings_for_fuzz = settings(max_examples=EXAMPLES, deadline=None, database=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                    HealthCheck.too_slow])
