"""Roles over every route, loopback-only service without tokens, limits, headers, uploads and
withdrawals with their audit trail, all against the real app over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import serving, write_doc
from fastapi.testclient import TestClient

from waymark.api.app import create_app
from waymark.auth import create_token
from waymark.cases import Cases
from waymark.config import Settings

ROLES = ("practitioner", "lead", "owner")
ROUTES = [  # (method, path, json body, lowest role allowed)
    ("GET", "/me", None, "practitioner"),
    ("POST", "/ask", {"question": "who are the family nurses for?"}, "practitioner"),
    ("POST", "/eligibility", {"service_id": "t-fnp", "family": {}}, "practitioner"),
    ("POST", "/signpost", {"family": {}}, "practitioner"),
    ("POST", "/threshold", {"family": {}}, "practitioner"),
    ("POST", "/threshold/audit", {"cases": [{"case_ref": "A", "text": "fine",
                                             "applied_level": 1}]}, "lead"),
    ("GET", "/sources", None, "owner"),
    ("GET", "/history", None, "owner"),
    ("DELETE", "/sources/t-nope", None, "owner"),
]


@pytest.fixture
def secured(cases: Cases, settings: Settings, tmp_path: Path) -> Iterator[tuple[str, dict]]:
    tokens_file = tmp_path / "tokens.json"
    tokens = {role: create_token(tokens_file, f"{role}-user", role) for role in ROLES}
    configured = settings.model_copy(update={"api_tokens_file": tokens_file,
                                             "knowledge_dir": tmp_path / "kb"})
    with serving(create_app(configured)) as url:
        yield url, tokens


def test_every_route_checks_the_role(secured: tuple[str, dict]) -> None:
    url, tokens = secured
    for method, path, body, lowest in ROUTES:
        anonymous = httpx.request(method, url + path, json=body)
        assert anonymous.status_code == 401, (path, anonymous.text)
        assert anonymous.headers["www-authenticate"] == "Bearer"
        wrong = httpx.request(method, url + path, json=body,
                              headers={"Authorization": "Bearer wm_not-a-token"})
        assert wrong.status_code == 401
        for role in ROLES:
            reply = httpx.request(method, url + path, json=body,
                                  headers={"Authorization": f"Bearer {tokens[role]}"})
            allowed = ROLES.index(role) >= ROLES.index(lowest)
            if allowed:
                assert reply.status_code not in (401, 403, 500), (path, role, reply.text)
            else:
                assert reply.status_code == 403, (path, role, reply.text)
                assert f"needs the {lowest} role" in reply.json()["detail"]
    assert httpx.get(url + "/health").status_code == 200, "health stays open for monitors"


def test_me_and_revocation(secured: tuple[str, dict], tmp_path: Path) -> None:
    from waymark.auth import revoke_token

    url, tokens = secured
    lead = {"Authorization": f"Bearer {tokens['lead']}"}
    assert httpx.get(url + "/me", headers=lead).json() == {"name": "lead-user", "role": "lead"}
    time.sleep(0.01)
    revoke_token(tmp_path / "tokens.json", "lead-user")
    assert httpx.get(url + "/me", headers=lead).status_code == 401


def test_without_tokens_only_this_machine_is_served(settings: Settings) -> None:
    app = create_app(settings)
    local = TestClient(app, client=("127.0.0.1", 50000))
    assert local.get("/me").json() == {"name": "local", "role": "owner"}
    remote = TestClient(app, client=("10.20.30.40", 50000))
    reply = remote.get("/health")
    assert reply.status_code == 403 and "only serves this machine" in reply.json()["detail"]


def test_limits_and_headers(cases: Cases, settings: Settings, tmp_path: Path) -> None:
    limited = settings.model_copy(update={"rate_limit_per_minute": 3, "max_body_kb": 1})
    client = TestClient(create_app(limited), client=("127.0.0.1", 50000))
    big = client.post("/ask", json={"question": "x" * 2000})
    assert big.status_code == 413 and "larger than" in big.json()["detail"]
    local = [client.post("/threshold", json={"family": {}}) for _ in range(4)]
    assert [r.status_code for r in local] == [200] * 4, "this machine alone is not limited"
    tokens_file = tmp_path / "tokens.json"
    token = create_token(tokens_file, "busy-user", "practitioner")
    shared = TestClient(create_app(limited.model_copy(update={"api_tokens_file": tokens_file})),
                        client=("10.1.2.3", 50000))
    auth = {"Authorization": f"Bearer {token}"}
    replies = [shared.post("/threshold", json={"family": {}}, headers=auth) for _ in range(4)]
    assert [r.status_code for r in replies] == [200, 200, 200, 429]
    assert int(replies[-1].headers["retry-after"]) >= 1
    headers = client.get("/health").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in headers["content-security-policy"]


def test_upload_change_and_withdraw_with_trail(secured: tuple[str, dict], settings: Settings,
                                               tmp_path: Path) -> None:
    url, tokens = secured
    owner = {"Authorization": f"Bearer {tokens['owner']}"}
    practitioner = {"Authorization": f"Bearer {tokens['practitioner']}"}
    question = {"question": "when does the bereavement cafe meet?"}
    before = httpx.post(url + "/ask", json=question, headers=practitioner).json()
    assert before["refused"] is True

    doc = write_doc(tmp_path / "upload", "cafe.md", "t-cafe", """
        # Bereavement cafe
        The bereavement cafe meets every Tuesday at 10am in the Hub North community room.
        """, kind="guidance", version='"1.0"')
    reply = httpx.post(url + "/sources", headers=owner,
                       files={"file": ("cafe.md", doc.read_bytes(), "text/markdown")})
    assert reply.status_code == 200, reply.text
    assert reply.json()["added"] == ["t-cafe"] and reply.json()["doc_id"] == "t-cafe"
    answer = httpx.post(url + "/ask", json=question, headers=practitioner).json()
    assert "every Tuesday at 10am" in answer["answer"]
    assert answer["citations"][0]["doc_id"] == "t-cafe"

    doc.write_text(doc.read_text().replace("Tuesday at 10am", "Thursday at 2pm").replace(
        'version: "1.0"', 'version: "1.1"'))
    changed = httpx.post(url + "/sources", headers=owner,
                         files={"file": ("cafe.md", doc.read_bytes(), "text/markdown")})
    assert changed.json()["changed"] == ["t-cafe"]
    answer = httpx.post(url + "/ask", json=question, headers=practitioner).json()
    assert "Thursday at 2pm" in answer["answer"] and "Tuesday" not in answer["answer"]

    broken = httpx.post(url + "/sources", headers=owner,
                        files={"file": ("bad.md", b"---\nid: t-bad\n---\nno kind\n")})
    assert broken.status_code == 422 and "field 'kind': is required" in broken.json()["detail"]
    assert len(httpx.get(url + "/sources", headers=owner).json()) == 4

    gone = httpx.delete(url + "/sources/t-cafe", headers=owner)
    assert gone.status_code == 200 and gone.json()["removed"] == ["t-cafe"]
    assert httpx.post(url + "/ask", json=question, headers=practitioner).json()["refused"]
    archived = list((settings.data_dir / "withdrawn").rglob("cafe.md"))
    assert len(archived) == 1, "a withdrawn file is archived, never deleted"

    trail = httpx.get(url + "/history", headers=owner).json()["trail"]
    assert [(t["action"], t["doc_id"], t["version"], t["actor"]) for t in trail[:3]] == [
        ("withdrawn", "t-cafe", "1.1", "api:owner-user"),
        ("changed", "t-cafe", "1.1", "api:owner-user"),
        ("added", "t-cafe", "1.0", "api:owner-user")]


def test_upload_pdf_with_metadata_fields(secured: tuple[str, dict], tmp_path: Path) -> None:
    from conftest import make_pdf

    url, tokens = secured
    owner = {"Authorization": f"Bearer {tokens['owner']}"}
    pdf = make_pdf(tmp_path / "leaflet.pdf", [["# Toy library", "The toy library lends toys "
                                                "to families on Saturday mornings."]])
    reply = httpx.post(url + "/sources", headers=owner, files={
        "file": ("leaflet.pdf", pdf.read_bytes(), "application/pdf")}, data={
        "id": "t-toys", "kind": "service", "title": "Toy library", "version": "2",
        "effective": "2026-01-01", "review_by": "2027-01-01",
        "extra": "eligibility:\n  child_age: {max_years: 5}\n"})
    assert reply.status_code == 200 and reply.json()["added"] == ["t-toys"], reply.text
    fake_pdf = httpx.post(url + "/sources", headers=owner, files={
        "file": ("evil.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")}, data={
        "id": "t-evil", "kind": "guidance", "title": "Evil"})
    assert fake_pdf.status_code == 422 and "not a PDF file" in fake_pdf.json()["detail"]
    wrong_type = httpx.post(url + "/sources", headers=owner,
                            files={"file": ("run.exe", b"MZ", "application/octet-stream")})
    assert wrong_type.status_code == 422 and "Waymark reads" in wrong_type.json()["detail"]


def test_an_update_under_another_file_name_replaces_the_old_file(
        secured: tuple[str, dict], tmp_path: Path) -> None:
    url, tokens = secured
    owner = {"Authorization": f"Bearer {tokens['owner']}"}
    first = write_doc(tmp_path / "up", "clinic.md", "t-clinic", "# Clinic\nOpen Mondays.\n")
    assert httpx.post(url + "/sources", headers=owner, files={
        "file": ("clinic.md", first.read_bytes())}).json()["added"] == ["t-clinic"]
    second = write_doc(tmp_path / "up", "clinic-v2.md", "t-clinic", "# Clinic\nOpen Fridays.\n",
                       version='"2.0"')
    reply = httpx.post(url + "/sources", headers=owner,
                       files={"file": ("clinic-v2.md", second.read_bytes())}).json()
    assert reply["changed"] == ["t-clinic"] and reply["failed"] == []
    rows = {r["doc_id"]: r for r in httpx.get(url + "/sources", headers=owner).json()}
    assert rows["t-clinic"]["version"] == "2.0" and rows["t-clinic"]["path"].endswith(
        "clinic-v2.md")
