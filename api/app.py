"""The HTTP API and the web page: a thin FastAPI adapter over the Waymark core."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import UploadFile

import waymark
from waymark.answer import Answerer
from waymark.api import security
from waymark.api.schemas import (
    AskRequest,
    AuditRequest,
    CaseRequest,
    ConfirmRequest,
    EligibilityRequest,
    SignpostRequest,
)
from waymark.api.security import Lead, Owner, Practitioner
from waymark.api.web import WEB_DIR
from waymark.audit import AuditCase, parse_csv, run_audit, to_csv, to_html
from waymark.cases import Cases
from waymark.config import Settings, get_settings
from waymark.embeddings import make_embeddings
from waymark.errors import CaseInputError, StoreError, UnknownDocument, UnknownService
from waymark.ingest.manage import (
    UploadError,
    add_document,
    confirm_metadata,
    draft_metadata,
    edits_from_form,
    sidecar_from_form,
    withdraw_document,
)
from waymark.llm import make_llm
from waymark.store import Store, open_store

AUDIT_FORMATS = {"json", "csv", "html"}


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_answerer(request: Request) -> Answerer:
    answerer: Answerer = request.app.state.answerer
    return answerer


def get_cases(request: Request) -> Cases:
    cases: Cases = request.app.state.cases
    return cases


StoreDep = Annotated[Store, Depends(get_store)]
AnswererDep = Annotated[Answerer, Depends(get_answerer)]
CasesDep = Annotated[Cases, Depends(get_cases)]


def _error(status: int) -> Any:
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        headers = {"Retry-After": "5"} if status in (409, 503) else None
        return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)
    return handler


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Waymark", version=waymark.__version__,
                  description="Cited answers from early-help guidance. Waymark advises; "
                              "it never decides.")
    app.state.settings = settings
    app.state.store = open_store(settings)
    llm = make_llm(settings)
    app.state.answerer = Answerer(app.state.store, make_embeddings(settings, for_queries=True),
                                  llm)
    app.state.cases = Cases(app.state.store, llm)
    security.install(app, settings)
    for exc_type, status in ((CaseInputError, 422), (UploadError, 422), (UnknownService, 404),
                             (UnknownDocument, 404), (StoreError, 503)):
        app.add_exception_handler(exc_type, _error(status))
    _web(app)
    _routes(app, settings)
    return app


def _web(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html")


def _routes(app: FastAPI, settings: Settings) -> None:  # noqa: C901 - one place for every route
    @app.get("/health")
    def health(store: StoreDep, answerer: AnswererDep) -> dict[str, Any]:
        documents, chunks = store.counts()
        body: dict[str, Any] = {"status": "ok", "documents": documents, "chunks": chunks}
        if chunks:  # how this knowledge base is read for refusal (worked out once per ingest)
            body["refusal"] = answerer.refusal_reference()
        return body

    @app.get("/me")
    def me(who: Practitioner) -> dict[str, str]:
        """Who the token belongs to and what it may do."""
        return {"name": who.name, "role": who.role}

    @app.post("/ask")
    async def ask(body: AskRequest, answerer: AnswererDep, who: Practitioner) -> dict[str, Any]:
        """A short answer citing the guidance, or a plain refusal; escalation first."""
        return await run_in_threadpool(answerer.ask, body.question, body.filters())

    @app.post("/eligibility")
    async def eligibility(body: EligibilityRequest, cases: CasesDep,
                          who: Practitioner) -> dict[str, Any]:
        """Does this family meet the service specification? Every criterion cited."""
        return await run_in_threadpool(cases.eligibility, body.service_id, body.family,
                                       body.text)

    @app.post("/signpost")
    async def signpost(body: SignpostRequest, cases: CasesDep,
                       who: Practitioner) -> dict[str, Any]:
        """Services that fit the family (meets first, then needs more information)."""
        return await run_in_threadpool(cases.signpost, body.family, body.text, body.limit)

    @app.post("/threshold")
    async def threshold(body: CaseRequest, cases: CasesDep, who: Practitioner) -> dict[str, Any]:
        """The level of need the threshold indicators point to, each indicator cited."""
        return await run_in_threadpool(cases.threshold, body.family, body.text)

    @app.post("/threshold/audit", response_model=None)
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

    @app.get("/sources")
    def sources(store: StoreDep, who: Owner, stale: bool | None = None) -> list[dict[str, Any]]:
        rows = [doc.source_row() for doc in store.documents()]
        return [row for row in rows if stale is None or row["stale"] == stale]

    @app.post("/sources")
    async def upload(request: Request, who: Owner) -> dict[str, Any]:
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

    @app.delete("/sources/{doc_id}")
    async def withdraw(doc_id: str, who: Owner) -> dict[str, Any]:
        """Withdraw a document: it leaves the knowledge base at once; its file is archived."""
        report = await run_in_threadpool(withdraw_document, settings, doc_id, f"api:{who.name}")
        return report.to_json()

    @app.get("/sources/{doc_id}/metadata")
    def metadata(doc_id: str, who: Owner) -> dict[str, Any]:
        """A document's metadata as its owner reviews it: each field Waymark proposed for a
        draft beside the sentence it came from."""
        return draft_metadata(settings, doc_id)

    @app.post("/sources/{doc_id}/metadata/confirm")
    async def confirm(doc_id: str, body: ConfirmRequest, who: Owner) -> dict[str, Any]:
        """Confirm a draft's metadata with the owner's edits (`fields`: "eligibility.areas":
        "BV1, BV2", "owner": "...", ...): its sidecar or front matter is written, the trail
        records it and the document is re-indexed."""
        changes = edits_from_form(draft_metadata(settings, doc_id), body.fields)
        report = await run_in_threadpool(confirm_metadata, settings, doc_id, changes,
                                         f"api:{who.name}")
        return report.to_json()

    @app.get("/history")
    def history(store: StoreDep, who: Owner) -> dict[str, Any]:
        """Ingest runs and the audit trail (who added, changed or withdrew what, when)."""
        return {"ingests": store.history(), "trail": store.trail()}


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

