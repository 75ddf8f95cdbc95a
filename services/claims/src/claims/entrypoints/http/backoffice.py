"""The back office's side of claims (CL-5, CL-6): the queue per status with what is missing, and
each step of the workflow. Operators only; the claim is named in the body (an unknown one: 404)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from claims.app import claims as app
from claims.domain.errors import InvalidField
from claims.entrypoints.deps import Operator, SettingsDep, Today, Uow
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
    br: Decimal | None = Field(None, ge=0, le=1_000_000, max_digits=9, decimal_places=2,
                               description="Processing a care claim: the act's base de remboursement, in euros")
    in_care_path: bool = Field(True, description="Processing a care claim: the act was in the coordinated care path")


@router.get("/v1/claim-queue", operation_id="claim_queue")
async def claim_queue(_: Operator, uow: Uow, settings: SettingsDep, status: Status = "received",
                      limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[ClaimOut]:
    """Claims in this status, oldest first, each with what is still missing."""
    return [ClaimOut.model_validate(c) for c in await app.queue(uow, status, settings.quote_threshold_eur, limit)]


@router.post("/v1/claim-decisions", operation_id="decide_claim",
             responses={404: {"description": "No claim of that id"}})
async def decide_claim(request: Request, body: DecisionIn, _: Operator, uow: Uow, settings: SettingsDep,
                       day: Today) -> ClaimOut:
    """Move a claim one step: received → under_analysis → processed → paid, or rejected with a
    reason and what the member can do (409 when the step is not allowed from its status).
    Processing a care claim takes its ``br``: the amounts are computed by the coverage rules under
    the contract's guarantee (asked of contracts) and recorded as a statement line; paying dates it."""
    if body.status == "rejected":
        if body.reason is None:
            raise InvalidField("reason", "Un refus indique son motif.")
        if body.what_to_do is None:
            raise InvalidField("what_to_do", "Un refus indique ce que l'adhérent peut faire.")
    decision = app.Decision(body.claim_id, body.status, body.reason, body.what_to_do, body.br, body.in_care_path)
    claim = await app.decide(uow, request.app.state.contracts, decision, settings.quote_threshold_eur, day)
    return ClaimOut.model_validate(claim)
