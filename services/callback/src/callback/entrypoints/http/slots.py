"""GET /v1/callback-slots: the slots one may book, with room left (CB-1, CB-2); no token needed (CB-3)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from callback.app import callbacks as app
from callback.entrypoints.deps import Now, RulesDep, Uow
from ms_platform.errors import InvalidInput

router = APIRouter(tags=["callback-slots"])


class SlotOut(BaseModel):
    start: datetime
    end: datetime
    remaining: int


@router.get("/v1/callback-slots", operation_id="list_callback_slots")
async def list_slots(uow: Uow, rules: RulesDep, now: Now,
                     from_: Annotated[date | None, Query(alias="from", description="First day (default: today)")] = None,
                     to: Annotated[date | None, Query(description="Last day (default: the last bookable day)")] = None,
                     ) -> list[SlotOut]:
    """Slots not started, not within the lead time, within the horizon, on open days, with room left."""
    if from_ is not None and to is not None and to < from_:
        raise InvalidInput("La date de fin précède la date de début.", field="to")
    return [SlotOut(start=s.start, end=s.end, remaining=s.remaining)
            for s in await app.available_slots(uow, rules, now, from_, to)]
