"""The web page for content owners and team leads, and its static files."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from waymark.api.web import WEB_DIR

router = APIRouter(include_in_schema=False)


@router.get("/")
def page() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html", media_type="text/html")
