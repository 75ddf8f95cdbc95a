"""/v1/callbacks: "Je souhaite être rappelé" — booking (members and people without an account),
and the member's own callbacks, which they move or cancel until the slot starts (CB-1..CB-3)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from callback.app import callbacks as app
from callback.entrypoints.deps import Member, Now, OptionalMember, RulesDep, Uow, account_id
from callback.entrypoints.http.schemas import BookingIn, CallbackOut, SlotChoice

router = APIRouter(tags=["callbacks"])

_IDS = {404: {"description": "No callback of that id that the caller may see"}}
_FULL = {409: {"description": "« Créneau complet »: the problem lists next_free_slots"}}


@router.post("/v1/callbacks", status_code=201, operation_id="book_callback", responses=_FULL)
async def book(body: BookingIn, uow: Uow, rules: RulesDep, now: Now, request: Request, response: Response,
               member: OptionalMember,
               idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None) -> CallbackOut:
    """Book a callback at a slot. Without a token (home page, no account, no email): first and last
    name are required; the gateway rate-limits these writes. A retry with the same Idempotency-Key
    returns the first booking (200) and books nothing twice."""
    booking = app.Booking(
        reason=body.reason, slot_start=body.slot_start, phone=body.phone, first_name=body.first_name,
        last_name=body.last_name, comment=body.comment, case_number=body.case_number, idempotency_key=idempotency_key)
    callback, created = await app.book(uow, rules, booking, account_id(member) if member else None, now,
                                       request.app.state.slots_cache)
    if not created:
        response.status_code = 200
    return CallbackOut.of(callback)


@router.get("/v1/callbacks", operation_id="list_callbacks")
async def list_callbacks(member: Member, uow: Uow) -> list[CallbackOut]:
    """The member's callbacks, by slot (past ones included, with their outcome)."""
    return [CallbackOut.of(c) for c in await app.of_member(uow, account_id(member))]


@router.get("/v1/callbacks/{callback_id}", operation_id="get_callback", responses=_IDS)
async def get_callback(callback_id: uuid.UUID, member: Member, uow: Uow) -> CallbackOut:
    return CallbackOut.of(await app.one_of_member(uow, account_id(member), callback_id))


@router.post("/v1/callbacks/{callback_id}/reschedule", operation_id="reschedule_callback",
             responses={**_IDS, **_FULL})
async def reschedule(callback_id: uuid.UUID, body: SlotChoice, member: Member, uow: Uow, rules: RulesDep,
                     now: Now, request: Request) -> CallbackOut:
    """Move the callback to another slot until its slot starts; after a missed call ("no answer"),
    book it again."""
    return CallbackOut.of(await app.move(uow, rules, account_id(member), callback_id, body.slot_start, now,
                                         request.app.state.slots_cache))


@router.post("/v1/callbacks/{callback_id}/cancel", operation_id="cancel_callback", responses=_IDS)
async def cancel(callback_id: uuid.UUID, member: Member, uow: Uow, now: Now) -> CallbackOut:
    """Cancel the callback until its slot starts."""
    return CallbackOut.of(await app.cancel(uow, account_id(member), callback_id, now))
