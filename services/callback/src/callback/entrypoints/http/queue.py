"""/v1/callback-queue: the agents' day, slot by slot, and what came of each call (agents only)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from callback.app import agents as app
from callback.domain.callbacks import Outcome
from callback.entrypoints.deps import Agent, Now, RulesDep, Uow
from callback.entrypoints.http.schemas import CallbackOut

router = APIRouter(tags=["callback-queue"])


class QueuedCallback(CallbackOut):
    account_id: uuid.UUID | None
    attempts: int


class QueueSlotOut(BaseModel):
    start: datetime
    end: datetime
    capacity: int
    scheduled: int
    callbacks: list[QueuedCallback]


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome


@router.get("/v1/callback-queue", operation_id="callback_queue")
async def day_queue(_agent: Agent, uow: Uow, rules: RulesDep, now: Now,
                    day: Annotated[date | None, Query(description="The day (default: today)")] = None,
                    ) -> list[QueueSlotOut]:
    """The day's callbacks by slot, with each slot's capacity."""
    slots = await app.queue(uow, rules, day or rules.calendar.today(now))
    return [QueueSlotOut(
        start=s.start, end=s.end, capacity=s.capacity,
        scheduled=sum(1 for c in s.callbacks if c.status == "scheduled"),
        callbacks=[QueuedCallback(**CallbackOut.of(c).model_dump(), account_id=c.account_id, attempts=c.attempts)
                   for c in s.callbacks]) for s in slots]


@router.post("/v1/callback-queue/{callback_id}/outcome", operation_id="record_callback_outcome",
             responses={404: {"description": "No such callback"}})
async def record_outcome(callback_id: uuid.UUID, body: OutcomeIn, _agent: Agent, uow: Uow, now: Now) -> CallbackOut:
    """Done, no answer (the member is offered a new slot) or cancelled."""
    return CallbackOut.of(await app.record_outcome(uow, callback_id, body.outcome, now))
