"""The HTTP API and the web page: a thin FastAPI adapter over the Waymark core."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

import waymark
from waymark.answer import Answerer
from waymark.api import security
from waymark.api.routers import ask, audit, auth, cases, sources, web
from waymark.api.web import WEB_DIR
from waymark.cases import Cases
from waymark.config import Settings, get_settings
from waymark.embeddings import make_embeddings
from waymark.errors import CaseInputError, StoreError, UnknownDocument, UnknownService
from waymark.ingest.manage import UploadError
from waymark.llm import make_llm
from waymark.store import open_store

ERROR_STATUS: dict[type[Exception], int] = {
    CaseInputError: 422, UploadError: 422, UnknownService: 404, UnknownDocument: 404,
    StoreError: 503,
}


def create_app(settings: Settings | None = None, warm_up: bool = False) -> FastAPI:
    """The app; `warm_up` answers one question in the background at start-up, so the first
    real one does not wait for the knowledge base's readers to be built (`waymark serve`)."""
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
    for exc_type, status in ERROR_STATUS.items():
        app.add_exception_handler(exc_type, _error(status))
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    for area in (web, ask, cases, audit, sources, auth):
        app.include_router(area.router)
    app.state.warm_up = app.state.answerer.warm_up_in_background() if warm_up else None
    return app


def serving_app() -> FastAPI:
    """What each `waymark serve --workers N` worker runs."""
    return create_app(warm_up=True)


def _error(status: int) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handler(request: Request, exc: Exception) -> Response:
        headers = {"Retry-After": "5"} if status in (409, 503) else None
        return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)
    return handler
