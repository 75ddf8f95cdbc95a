"""The back office's side of claims (CL-5, CL-6): the queue per status with what is missing, and
each step of the workflow. Operators only; the claim is named in the body (an unknown one: 404)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, StringConstraints

from claims.app import claims as app
from claims.domain.errors import InvalidField
from claims.entrypoints.deps import Operator, SettingsDep, Uow
from claims.entrypoints.http.claims import ClaimOut
from ms_platform.civil_text import checked, free_text_error

router = APIRouter(tags=["claims back office"])

Status = Literal["received", "under_analysis", "processed", "paid", "rejected"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), checked(free_text_error)]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim_id: uuid.UUID
    status: Status
    reason: Text | None = None
    what_to_do: Text | None = None


@router.get("/v1/claim-queue", operation_id="claim_queue")
async def claim_queue(_: Operator, uow: Uow, settings: SettingsDep, status: Status = "received",
                      limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[ClaimOut]:
    """Claims in this status, oldest first, each with what is still missing."""
    return [ClaimOut.model_validate(c) for c in await app.queue(uow, status, settings.quote_threshold_eur, limit)]


@router.post("/v1/claim-decisions", operation_id="decide_claim",
             responses={404: {"description": "No claim of that id"}})
async def decide_claim(body: DecisionIn, _: Operator, uow: Uow, settings: SettingsDep) -> ClaimOut:
    """Move a claim one step: received → under_analysis → processed → paid, or rejected with a
    reason and what the member can do (409 when the step is not allowed from its status)."""
    if body.status == "rejected":
        if body.reason is None:
            raise InvalidField("reason", "Un refus indique son motif.")
        if body.what_to_do is None:
            raise InvalidField("what_to_do", "Un refus indique ce que l'adhérent peut faire.")
    claim = await app.decide(uow, body.claim_id, body.status, body.reason, body.what_to_do, settings.quote_threshold_eur)
    return ClaimOut.model_validate(claim)
