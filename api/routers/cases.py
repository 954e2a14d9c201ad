"""A family against the guidance: eligibility, signposting and the level of need."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from waymark.api.deps import CasesDep
from waymark.api.schemas import CaseRequest, EligibilityRequest, SignpostRequest
from waymark.api.security import Practitioner, rate_limited

router = APIRouter(tags=["cases"], dependencies=[Depends(rate_limited)])


@router.post("/eligibility")
async def eligibility(body: EligibilityRequest, cases: CasesDep,
                      who: Practitioner) -> dict[str, Any]:
    """Does this family meet the service specification? Every criterion cited."""
    return await run_in_threadpool(cases.eligibility, body.service_id, body.family, body.text)


@router.post("/signpost")
async def signpost(body: SignpostRequest, cases: CasesDep, who: Practitioner) -> dict[str, Any]:
    """Services that fit the family (meets first, then needs more information)."""
    return await run_in_threadpool(cases.signpost, body.family, body.text, body.limit)


@router.post("/threshold")
async def threshold(body: CaseRequest, cases: CasesDep, who: Practitioner) -> dict[str, Any]:
    """The level of need the threshold indicators point to, each indicator cited."""
    return await run_in_threadpool(cases.threshold, body.family, body.text)
