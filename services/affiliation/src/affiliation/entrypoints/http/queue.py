"""/v1/affiliation-queue: online requests that could not be processed automatically, for
back-office users (operators), nearest deadline first, overdue ones flagged (AF-3)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from affiliation.app import affiliations as app
from affiliation.entrypoints.deps import Now, Operator, Uow
from affiliation.entrypoints.http.schemas import Decision, RequestOut

router = APIRouter(tags=["affiliation-queue"])
_IDS = {404: {"description": "No such request"}, 409: {"description": "The request is not waiting for review"}}


class QueuedRequest(RequestOut):
    siren: str


@router.get("/v1/affiliation-queue", operation_id="affiliation_queue")
async def queue(_operator: Operator, uow: Uow, now: Now,
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[QueuedRequest]:
    """Every request in review, the nearest deadline first (``due_at``, ``overdue``)."""
    return [QueuedRequest(**RequestOut.of(r, now).model_dump(), siren=r["siren"])
            for r in await app.review_queue(uow, limit)]


@router.post("/v1/affiliation-queue/{affiliation_id}/approve", operation_id="approve_affiliation", responses=_IDS)
async def approve(affiliation_id: uuid.UUID, _operator: Operator, uow: Uow, now: Now) -> RequestOut:
    """Affiliate the employee (EmployeeAffiliated)."""
    return RequestOut.of(await app.decide(uow, affiliation_id, True, None, now), now)


@router.post("/v1/affiliation-queue/{affiliation_id}/reject", operation_id="reject_affiliation", responses=_IDS)
async def reject(affiliation_id: uuid.UUID, body: Decision, _operator: Operator, uow: Uow, now: Now) -> RequestOut:
    """Refuse the request, with the reason the employer reads."""
    return RequestOut.of(await app.decide(uow, affiliation_id, False, body.reason, now), now)
