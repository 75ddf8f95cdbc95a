"""GET /v1/callback-slots: the slots one may book, with room left (CB-1, CB-2); no token needed (CB-3)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, TypeAdapter

from callback.app import callbacks as app
from callback.entrypoints.deps import Now, RulesDep, Uow
from ms_platform.errors import InvalidInput

router = APIRouter(tags=["callback-slots"])


class SlotOut(BaseModel):
    start: datetime
    end: datetime
    remaining: int


_SLOTS = TypeAdapter(list[SlotOut])


@router.get("/v1/callback-slots", operation_id="list_callback_slots", response_model=list[SlotOut])
async def list_slots(uow: Uow, rules: RulesDep, now: Now, request: Request,
                     from_: Annotated[date | None, Query(alias="from", description="First day (default: today)")] = None,
                     to: Annotated[date | None, Query(description="Last day (default: the last bookable day)")] = None,
                     ) -> Response:
    """Slots not started, not within the lead time, within the horizon, on open days, with room left."""
    if from_ is not None and to is not None and to < from_:
        raise InvalidInput("La date de fin précède la date de début.", field="to")
    cache = request.app.state.slots_cache
    # The same answer serves every visitor until a booking or a capacity changes: its JSON is
    # kept next to the list it was written from (same key, same notification drops both).
    key = ("json", *app.slots_key(rules, now, from_, to))
    body = cache.lookup(key)
    if body is None:
        slots = await app.available_slots(uow, rules, now, from_, to, cache)
        body = _SLOTS.dump_json([SlotOut(start=s.start, end=s.end, remaining=s.remaining) for s in slots])
        cache.store(key, "*", body)
    return Response(body, media_type="application/json")
