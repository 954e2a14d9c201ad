"""Questions: a short answer citing the guidance, or a plain refusal; escalation first."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from waymark.api.deps import AnswererDep, StoreDep
from waymark.api.schemas import AskRequest
from waymark.api.security import Practitioner, rate_limited

router = APIRouter(tags=["ask"])


@router.get("/health")
def health(store: StoreDep, answerer: AnswererDep) -> dict[str, Any]:
    documents, chunks = store.counts()
    body: dict[str, Any] = {"status": "ok", "documents": documents, "chunks": chunks}
    if chunks:  # how this knowledge base is read for refusal (worked out once per ingest)
        body["refusal"] = answerer.refusal_reference()
    return body


@router.post("/ask", dependencies=[Depends(rate_limited)])
async def ask(body: AskRequest, answerer: AnswererDep, who: Practitioner) -> dict[str, Any]:
    """A short answer citing the guidance, or a plain refusal; escalation first."""
    return await run_in_threadpool(answerer.ask, body.question, body.filters())
