"""The HTTP API: a thin FastAPI adapter over the Waymark core."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

import waymark
from api.schemas import AskRequest, AuditRequest, CaseRequest, EligibilityRequest, SignpostRequest
from waymark.answer import Answerer
from waymark.audit import AuditCase, parse_csv, run_audit, to_csv, to_html
from waymark.cases import Cases
from waymark.config import Settings, get_settings
from waymark.embeddings import make_embeddings
from waymark.errors import CaseInputError, StoreError, UnknownService
from waymark.llm import make_llm
from waymark.store import Store, open_store


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
AUDIT_FORMATS = {"json", "csv", "html"}


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

    @app.exception_handler(StoreError)
    async def store_unavailable(request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(CaseInputError)
    async def bad_case(request: Request, exc: CaseInputError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(UnknownService)
    async def unknown_service(request: Request, exc: UnknownService) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.get("/health")
    def health(store: StoreDep) -> dict[str, Any]:
        documents, chunks = store.counts()
        return {"status": "ok", "documents": documents, "chunks": chunks}

    @app.get("/sources")
    def sources(store: StoreDep, stale: bool | None = None) -> list[dict[str, Any]]:
        rows = [doc.source_row() for doc in store.documents()]
        return [row for row in rows if stale is None or row["stale"] == stale]

    @app.post("/ask")
    async def ask(body: AskRequest, answerer: AnswererDep) -> dict[str, Any]:
        """A short answer citing the guidance, or a plain refusal; escalation first."""
        return await run_in_threadpool(answerer.ask, body.question, body.filters())

    @app.post("/eligibility")
    async def eligibility(body: EligibilityRequest, cases: CasesDep) -> dict[str, Any]:
        """Does this family meet the service specification? Every criterion cited."""
        return await run_in_threadpool(cases.eligibility, body.service_id, body.family,
                                       body.text)

    @app.post("/signpost")
    async def signpost(body: SignpostRequest, cases: CasesDep) -> dict[str, Any]:
        """Services that fit the family (meets first, then needs more information)."""
        return await run_in_threadpool(cases.signpost, body.family, body.text, body.limit)

    @app.post("/threshold")
    async def threshold(body: CaseRequest, cases: CasesDep) -> dict[str, Any]:
        """The level of need the threshold indicators point to, each indicator cited."""
        return await run_in_threadpool(cases.threshold, body.family, body.text)

    @app.post("/threshold/audit", response_model=None)
    async def threshold_audit(
        request: Request, cases: CasesDep,
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

    return app


async def _audit_cases(request: Request) -> list[AuditCase]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
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
