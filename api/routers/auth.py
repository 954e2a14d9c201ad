"""Who is calling."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from waymark.api.security import Practitioner, rate_limited

router = APIRouter(tags=["auth"], dependencies=[Depends(rate_limited)])


@router.get("/me")
def me(who: Practitioner) -> dict[str, str]:
    """Who the token belongs to and what it may do."""
    return {"name": who.name, "role": who.role}
