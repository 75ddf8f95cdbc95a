"""/v1/callback-capacity: agents available per day or per slot (CB-2), set by operators and agents."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from callback.app import agents as app
from callback.entrypoints.deps import Now, RulesDep, Staff, Uow


router = APIRouter(tags=["callback-capacity"])


class CapacityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: date
    capacity: int = Field(ge=0, le=1000, description="Callbacks the slot (or each slot of the day) takes")
    slot_start: datetime | None = Field(None, description="One slot of that day; absent: every slot of the day")


class CapacityOut(CapacityIn):
    pass


@router.put("/v1/callback-capacity", operation_id="set_callback_capacity")
async def set_capacity(body: CapacityIn, staff: Staff, uow: Uow, rules: RulesDep, now: Now) -> CapacityOut:
    """A slot's own figure wins over its day's; callbacks already booked stay when it goes down."""
    await app.set_capacity(uow, rules, uuid.UUID(staff.subject), body.day, body.capacity, body.slot_start, now)
    return CapacityOut(**body.model_dump())
