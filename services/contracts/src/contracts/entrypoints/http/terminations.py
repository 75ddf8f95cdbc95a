"""Termination in 3 steps (CT-9): GET reminder, POST request, POST confirmation."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.app import terminations
from contracts.domain.terminations import REASONS
from contracts.entrypoints.deps import Today, Uow
from contracts.entrypoints.http.fields import Summary
from contracts.entrypoints.scope import ScopeDep

router = APIRouter(tags=["terminations"])

Reason = Literal[tuple(REASONS)]  # type: ignore[valid-type]


class TerminationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contract_id: uuid.UUID
    reason: Reason
    event_date: date | None = Field(None, description="The event behind the request (new employer, move...)")
    summary: Summary | None = None

    @field_validator("event_date")
    @classmethod
    def _plausible(cls, value: date | None) -> date | None:
        if value is not None and not (date(1900, 1, 1) <= value <= date(2100, 1, 1)):
            raise ValueError("Date d'événement invalide.")
        return value


class TerminationOut(BaseModel):
    id: uuid.UUID
    contract_id: uuid.UUID
    reason: str
    event_date: date | None
    summary: str | None
    status: Literal["draft", "confirmed"]
    effective_date: date | None
    created_at: datetime
    confirmed_at: datetime | None


class ReasonOut(BaseModel):
    code: str
    label: str


class ReminderOut(BaseModel):
    contract_id: uuid.UUID
    contract_number: str
    free_of_charge: bool
    notice_days: int
    effective_date_if_confirmed_today: date
    conditions: list[str]
    reasons: list[ReasonOut]
    requests: list[TerminationOut]


def _notice(request: Request) -> int:
    return request.app.state.settings.termination_notice_days


@router.get("/v1/contracts/{contract_id}/termination", response_model=ReminderOut)
async def termination_reminder(uow: Uow, contract_id: uuid.UUID, request: Request, scope: ScopeDep, day: Today) -> dict[str, Any]:
    """Step 1: the conditions and notice of termination; changes nothing."""
    return await terminations.termination_reminder(uow, contract_id, scope, _notice(request), day)


@router.post("/v1/terminations", response_model=TerminationOut, status_code=201,
             responses={404: {"description": "No contract of that id that the caller may see"}})
async def request_termination(uow: Uow, body: TerminationIn, request: Request, scope: ScopeDep, day: Today) -> dict[str, Any]:
    """Step 2: the request (reason, event date, summary), not yet effective."""
    command = terminations.TerminationRequest(body.contract_id, body.reason, body.event_date, body.summary)
    limit = request.app.state.settings.max_open_termination_drafts
    return await terminations.request_termination(uow, command, scope, day, limit)


@router.post("/v1/terminations/{termination_id}/confirmation", response_model=TerminationOut)
async def confirm_termination(uow: Uow, termination_id: uuid.UUID, request: Request, scope: ScopeDep, day: Today) -> dict[str, Any]:
    """Step 3: "Confirmer ma demande de résiliation" — terminates the contract."""
    return await terminations.confirm_termination(uow, termination_id, scope, _notice(request), day)


@router.get("/v1/terminations", response_model=list[TerminationOut])
async def list_terminations(uow: Uow, request: Request, scope: ScopeDep) -> list[dict[str, Any]]:
    """The member's termination requests."""
    return await terminations.list_terminations(uow, scope)
