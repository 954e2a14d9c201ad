"""The knowledge base for its owners: documents, drafts to confirm, ingests and the trail."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from waymark.api.deps import SettingsDep, StoreDep
from waymark.api.schemas import ConfirmRequest
from waymark.api.security import Owner, rate_limited
from waymark.ingest.manage import (
    UploadError,
    add_document,
    confirm_metadata,
    draft_metadata,
    edits_from_form,
    sidecar_from_form,
    withdraw_document,
)

router = APIRouter(tags=["sources"], dependencies=[Depends(rate_limited)])


@router.get("/sources")
def sources(store: StoreDep, who: Owner, stale: bool | None = None) -> list[dict[str, Any]]:
    rows = [doc.source_row() for doc in store.documents()]
    return [row for row in rows if stale is None or row["stale"] == stale]


@router.post("/sources")
async def upload(request: Request, settings: SettingsDep, who: Owner) -> dict[str, Any]:
    """Add or update a document: `file`, and a `sidecar` file or metadata fields (id, kind,
    title, owner, version, effective, review_by, source_url, extra as YAML)."""
    form = await request.form()
    document = form.get("file")
    if not isinstance(document, UploadFile):
        raise UploadError("send the document as a multipart form field named 'file'")
    data = await document.read()
    side = form.get("sidecar")
    if isinstance(side, UploadFile):
        sidecar: bytes | None = await side.read() or None
    else:
        fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        sidecar = sidecar_from_form(fields, fields.get("extra"))
    doc_id, report = await run_in_threadpool(
        add_document, settings, document.filename or "", data, sidecar, f"api:{who.name}")
    return {"doc_id": doc_id, **report.to_json()}


@router.delete("/sources/{doc_id}")
async def withdraw(doc_id: str, settings: SettingsDep, who: Owner) -> dict[str, Any]:
    """Withdraw a document: it leaves the knowledge base at once; its file is archived."""
    report = await run_in_threadpool(withdraw_document, settings, doc_id, f"api:{who.name}")
    return report.to_json()


@router.get("/sources/{doc_id}/metadata")
def metadata(doc_id: str, settings: SettingsDep, who: Owner) -> dict[str, Any]:
    """A document's metadata as its owner reviews it: each field Waymark proposed for a draft
    beside the sentence it came from."""
    return draft_metadata(settings, doc_id)


@router.post("/sources/{doc_id}/metadata/confirm")
async def confirm(doc_id: str, body: ConfirmRequest, settings: SettingsDep,
                  who: Owner) -> dict[str, Any]:
    """Confirm a draft's metadata with the owner's edits (`fields`: "eligibility.areas":
    "BV1, BV2", "owner": "...", ...): its sidecar or front matter is written, the trail records
    it and the document is re-indexed."""
    changes = edits_from_form(draft_metadata(settings, doc_id), body.fields)
    report = await run_in_threadpool(confirm_metadata, settings, doc_id, changes,
                                     f"api:{who.name}")
    return report.to_json()


@router.get("/history")
def history(store: StoreDep, who: Owner) -> dict[str, Any]:
    """Ingest runs and the audit trail (who added, changed or withdrew what, when)."""
    return {"ingests": store.history(), "trail": store.trail()}
