"""The HTTP API: a thin FastAPI adapter over the Waymark core."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

import waymark
from api.schemas import AskRequest
from waymark.answer import Answerer
from waymark.config import Settings, get_settings
from waymark.embeddings import make_embeddings
from waymark.errors import StoreError
from waymark.store import Store, open_store


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_answerer(request: Request) -> Answerer:
    answerer: Answerer = request.app.state.answerer
    return answerer


StoreDep = Annotated[Store, Depends(get_store)]
AnswererDep = Annotated[Answerer, Depends(get_answerer)]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Waymark", version=waymark.__version__,
                  description="Cited answers from early-help guidance. Waymark advises; "
                              "it never decides.")
    app.state.settings = settings
    app.state.store = open_store(settings)
    app.state.answerer = Answerer(app.state.store, make_embeddings(settings))

    @app.exception_handler(StoreError)
    async def store_unavailable(request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "5"})

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

    return app
