"""The HTTP API: a thin FastAPI adapter over the Waymark core."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

import waymark
from waymark.config import Settings, get_settings
from waymark.errors import StoreError
from waymark.store import Store, open_store


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Waymark", version=waymark.__version__,
                  description="Cited answers from early-help guidance. Waymark advises; "
                              "it never decides.")
    app.state.settings = settings
    app.state.store = open_store(settings)

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

    return app
