"""Who may call what, and the guard rails every request passes: roles from bearer tokens,
loopback-only service without tokens, body size limits, a per-caller rate limit and security
headers. Tokens travel in the Authorization header, never in cookies, so no request can be
forged from another site (CSRF)."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from waymark.auth import Identity, Role, TokenFile
from waymark.config import Settings

LOCAL = Identity("local", "owner")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self'; script-src 'self'; "
                               "img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
UPLOAD_ROUTES = ("/sources", "/threshold/audit")


def is_loopback(host: str | None) -> bool:
    if host in ("localhost", "testclient"):
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


class Guard:
    """Per-app state of the guard rails."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tokens = TokenFile(settings.api_tokens_file) if settings.api_tokens_file else None
        self._per_minute = RateLimitItemPerMinute(settings.rate_limit_per_minute)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    @property
    def open(self) -> bool:
        """No tokens configured: loopback callers act as the local owner."""
        return self.tokens is None or not self.tokens.configured

    def identify(self, request: Request) -> Identity:
        if self.open:
            return LOCAL
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        identity = self.tokens.identify(token.strip()) if (
            self.tokens and scheme.lower() == "bearer" and token.strip()) else None
        if identity is None:
            raise HTTPException(401, "a valid token is needed: send 'Authorization: Bearer "
                                     "<token>' (ask an owner for one: waymark token create)",
                                headers={"WWW-Authenticate": "Bearer"})
        return identity

    def over_limit(self, key: str) -> float | None:
        """Seconds to wait when `key` made too many calls in the last minute, else None."""
        if self._limiter.hit(self._per_minute, key):
            return None
        reset_at = self._limiter.get_window_stats(self._per_minute, key).reset_time
        return max(reset_at - time.time(), 0.0)


def require(role: Role) -> Callable[[Request], Identity]:
    """A dependency that lets through callers with `role` or higher."""
    def check(request: Request) -> Identity:
        guard: Guard = request.app.state.guard
        identity = guard.identify(request)
        if not identity.can(role):
            raise HTTPException(403, f"this needs the {role} role; your token "
                                     f"({identity.name}) is {identity.role}")
        return identity
    return check


def rate_limited(request: Request) -> None:
    """A dependency: too many calls from one caller in a minute get a 429. Without tokens only
    this machine is served (its own scripts, `score_api.py`, the page), so there is no limit:
    it protects a shared deployment from its callers."""
    guard: Guard = request.app.state.guard
    if guard.open:
        return
    client = request.client.host if request.client else None
    wait = guard.over_limit(request.headers.get("authorization") or client or "unknown")
    if wait is not None:
        raise HTTPException(429, "too many requests: slow down",
                            headers={"Retry-After": str(int(wait) + 1)})


Practitioner = Annotated[Identity, Depends(require("practitioner"))]
Lead = Annotated[Identity, Depends(require("lead"))]
Owner = Annotated[Identity, Depends(require("owner"))]


def install(app: FastAPI, settings: Settings) -> None:
    app.state.guard = Guard(settings)

    @app.middleware("http")
    async def guard_rails(request: Request,
                          call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        guard: Guard = request.app.state.guard
        client = request.client.host if request.client else None
        if guard.open and not is_loopback(client):
            return _json(403, "no API tokens are configured, so Waymark only serves this "
                              "machine; create tokens with `waymark token create`")
        limit = (settings.max_upload_mb * 1048576 if request.url.path in UPLOAD_ROUTES
                 else settings.max_body_kb * 1024)
        length = request.headers.get("content-length")
        if length and (not length.isdigit() or int(length) > limit):
            return _json(413, f"the request is larger than the {limit / 1024:g} KB allowed")
        response = await call_next(request)
        headers = dict(SECURITY_HEADERS)
        if request.url.path in ("/docs", "/redoc"):
            del headers["Content-Security-Policy"]  # the interactive docs run inline scripts
        response.headers.update(headers)
        return response


def _json(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status,
                        headers={**SECURITY_HEADERS, **(headers or {})})
