"""The threshold audit: levels applied to past cases against the ones the guidance suggests."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.datastructures import UploadFile

from waymark.api.deps import CasesDep
from waymark.api.schemas import AuditRequest
from waymark.api.security import Lead, rate_limited
from waymark.audit import AuditCase, parse_csv, run_audit, to_csv, to_html
from waymark.errors import CaseInputError

AUDIT_FORMATS = {"json", "csv", "html"}

router = APIRouter(tags=["audit"], dependencies=[Depends(rate_limited)])


@router.post("/threshold/audit", response_model=None)
async def threshold_audit(
    request: Request, cases: CasesDep, who: Lead,
    format: Annotated[str, Query(description="json, csv or html")] = "json",
) -> dict[str, Any] | Response:
    """Applied levels against suggested ones: agreement, kappa, confusion matrix. Send JSON
    `{"cases": [...]}`, a CSV body (text/csv) or a multipart upload with a `file` field."""
    if format not in AUDIT_FORMATS:
        raise CaseInputError(f"format must be one of {sorted(AUDIT_FORMATS)}")
    audit_cases = await _audit_cases(request)
    report = await run_in_threadpool(run_audit, cases, audit_cases)
    if format == "csv":
        return PlainTextResponse(to_csv(report), media_type="text/csv")
    if format == "html":
        return HTMLResponse(to_html(report))
    return report


async def _audit_cases(request: Request) -> list[AuditCase]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise CaseInputError("upload the CSV as a form field named 'file'")
        return parse_csv((await upload.read()).decode("utf-8-sig", errors="replace"))
    if kind in ("text/csv", "text/plain"):
        return parse_csv((await request.body()).decode("utf-8-sig", errors="replace"))
    try:
        body = AuditRequest.model_validate_json(await request.body())
    except ValueError as exc:
        raise CaseInputError(f"send JSON {{\"cases\": [...]}} or a CSV: {exc}") from None
    return [AuditCase(c.case_ref, c.applied_level, c.text,
                      c.family.model_dump(exclude_none=True) if c.family else None)
            for c in body.cases]
