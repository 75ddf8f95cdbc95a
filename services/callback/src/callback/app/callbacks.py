"""Use cases of callback requests: available slots, booking, the member's moves and cancellations
(CB-1..CB-3); the agents' and operators' are in app/agents.py."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import asyncpg
import structlog
from prometheus_client import Counter

from callback.adapters import repository as repo
from callback.adapters.slots_cache import SlotsCache
from callback.domain import callbacks as rules_
from callback.domain.calendar import Calendar, Slot
from callback.domain.callbacks import Callback, Reason, Status
from callback.domain.errors import (
    CallbackNotFound, IdempotencyKeyReused, NameRequired, SlotFull, TooManyOpenCallbacks,
)
from ms_events.events.callback import CallbackCancelled, CallbackRescheduled, CallbackScheduled
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()

BOOKINGS = Counter("callback_bookings", "Callback booking attempts by caller kind and outcome "
                   "(booked, replayed, full).", ["caller", "outcome"])


@dataclass(frozen=True)
class Rules:
    """What the settings say about slots, capacity and limits (built once by bootstrap)."""

    calendar: Calendar
    default_capacity: int = 2
    suggested_slots: int = 3
    reminder_hour: int = 8
    max_open_per_account: int = 5
    max_open_per_phone: int = 3


@dataclass(frozen=True)
class Booking:
    """A request to be called back (command)."""

    reason: Reason
    slot_start: datetime
    phone: str
    first_name: str | None = None
    last_name: str | None = None
    comment: str | None = None
    case_number: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class FreeSlot:
    start: datetime
    end: datetime
    remaining: int


# ---- slots ----------------------------------------------------------------------------------


async def free_slots(conn: asyncpg.Connection, rules: Rules, now: datetime, first: date | None = None,
                     last: date | None = None, *, limit: int | None = None,
                     after: datetime | None = None) -> list[FreeSlot]:
    """Bookable slots with room left: one query for a whole period's counts and capacities."""
    candidates = rules.calendar.bookable(now, first, last)
    if not candidates:
        return []
    counts, slot_caps, day_caps = await repo.load_between(
        conn, candidates[0].start, candidates[-1].start, candidates[0].start.date(), candidates[-1].start.date())
    out: list[FreeSlot] = []
    for slot in candidates:
        if after is not None and slot.start <= after:
            continue
        capacity = slot_caps.get(slot.start, day_caps.get(slot.start.date(), rules.default_capacity))
        room = capacity - counts.get(slot.start, 0)
        if room > 0:
            out.append(FreeSlot(slot.start, slot.end, room))
            if limit is not None and len(out) >= limit:
                break
    return out


async def available_slots(uow: UnitOfWork, rules: Rules, now: datetime, first: date | None,
                          last: date | None, cache: SlotsCache | None = None) -> list[FreeSlot]:
    """GET of available slots: only those with room left (CB-2). With a cache, the list is
    computed once per minute of the clock and kept until a booking or a capacity changes."""
    if cache is None:
        async with uow.connect() as conn:
            return await free_slots(conn, rules, now, first, last)
    key = slots_key(rules, now, first, last)
    lead = timedelta(minutes=rules.calendar.min_lead_minutes)

    async def load() -> list[FreeSlot]:
        async with uow.connect() as conn:
            return await free_slots(conn, rules, key[2] - lead, first, last)

    return await cache.get(key, load)


def slots_key(rules: Rules, now: datetime, first: date | None, last: date | None) -> tuple:
    """What a list of free slots depends on: the period asked, and the first start still bookable
    rounded up to the minute (one list per minute, never one showing a slot within the lead time)."""
    cutoff = now + timedelta(minutes=rules.calendar.min_lead_minutes)
    return first, last, datetime.fromtimestamp(math.ceil(cutoff.timestamp() / 60) * 60, cutoff.tzinfo)


async def _suggestions(uow: UnitOfWork, rules: Rules, now: datetime, full: datetime,
                       cache: SlotsCache | None = None) -> list[dict]:
    """The next free slots after a full one ("créneau complet")."""
    found = await available_slots(uow, rules, now, full.astimezone(rules.calendar.zone).date(), None, cache)
    return [{"start": s.start.isoformat(), "end": s.end.isoformat()}
            for s in [s for s in found if s.start > full][:rules.suggested_slots]]


async def _take_place(conn: asyncpg.Connection, rules: Rules, slot: Slot) -> bool:
    """Lock the slot for this transaction and say whether it has room left."""
    await repo.lock_slot(conn, slot.start)
    capacity = await repo.capacity_of(conn, slot.start, slot.start.date(), rules.default_capacity)
    return await repo.booked(conn, slot.start) < capacity


# ---- booking --------------------------------------------------------------------------------


def _new_callback(booking: Booking, account_id: uuid.UUID | None, slot: Slot, now: datetime) -> Callback:
    if account_id is None:
        for field in ("first_name", "last_name"):
            if not getattr(booking, field):
                raise NameRequired(field)
    phone = rules_.french_phone(booking.phone)
    return Callback(
        id=uuid.uuid4(), account_id=account_id, reason=booking.reason, slot_start=slot.start, slot_end=slot.end,
        phone=phone.e164, phone_mobile=phone.mobile, first_name=booking.first_name, last_name=booking.last_name,
        comment=booking.comment, case_number=rules_.check_case_number(booking.reason, booking.case_number),
        status=Status.SCHEDULED, created_at=now, updated_at=now)


def _replay(existing: Callback, callback: Callback) -> Callback:
    """A retried booking with the same Idempotency-Key: the first one, if it is the same caller's."""
    if existing.account_id != callback.account_id or existing.phone != callback.phone:
        raise IdempotencyKeyReused()
    return existing


async def book(uow: UnitOfWork, rules: Rules, booking: Booking, account_id: uuid.UUID | None,
               now: datetime, cache: SlotsCache | None = None) -> tuple[Callback, bool]:
    """Book a callback (a member, or a person without an account); (callback, created)."""
    slot = rules.calendar.slot_at(booking.slot_start, now)
    callback = _new_callback(booking, account_id, slot, now)
    caller = "member" if account_id else "anonymous"
    try:
        if booking.idempotency_key:
            async with uow.connect() as conn:
                existing = await repo.by_idempotency_key(conn, booking.idempotency_key)
            if existing is not None:
                BOOKINGS.labels(caller, "replayed").inc()
                return _replay(existing, callback), False
        # A slot already full is refused without waiting for its lock (a contended slot's crowd);
        # one with room left is checked again under the lock below.
        if not await _may_have_room(uow, rules, slot, now, cache):
            raise SlotFull([])
        async with uow.begin() as tx:
            await _check_open_limit(tx.conn, rules, callback)
            if not await _take_place(tx.conn, rules, slot):
                raise SlotFull([])
            await repo.add(tx.conn, callback, booking.idempotency_key,
                           rules.calendar.reminder_due(slot, rules.reminder_hour) if callback.phone_mobile else None)
            tx.publish(CallbackScheduled(
                callback_id=callback.id, account_id=account_id, reason=callback.reason.value,
                slot_start=slot.start, slot_end=slot.end, case_number=callback.case_number, scheduled_at=now))
    except SlotFull:
        BOOKINGS.labels(caller, "full").inc()
        raise SlotFull(await _suggestions(uow, rules, now, slot.start, cache)) from None
    except asyncpg.UniqueViolationError:
        # The same Idempotency-Key, sent twice at once: the other request created it.
        async with uow.connect() as conn:
            existing = await repo.by_idempotency_key(conn, booking.idempotency_key or "")
        if existing is None:
            raise
        return _replay(existing, callback), False
    BOOKINGS.labels(caller, "booked").inc()
    log.info("callback.scheduled", callback_id=str(callback.id), caller=caller)
    return callback, True


async def _may_have_room(uow: UnitOfWork, rules: Rules, slot: Slot, now: datetime, cache: SlotsCache | None) -> bool:
    """A hint: the free-slot list in memory when the cache is live (dropped at every commit), else
    one query. Only the count under the slot's lock decides a booking."""
    if cache is not None and cache.listening:
        return any(s.start == slot.start for s in await available_slots(uow, rules, now, None, None, cache))
    async with uow.connect() as conn:
        return await repo.room_left(conn, slot.start, slot.start.date(), rules.default_capacity) > 0


async def _check_open_limit(conn: asyncpg.Connection, rules: Rules, callback: Callback) -> None:
    if callback.account_id is not None:
        if await repo.open_count(conn, account_id=callback.account_id) >= rules.max_open_per_account:
            raise TooManyOpenCallbacks(rules.max_open_per_account)
    elif await repo.open_count(conn, phone=callback.phone) >= rules.max_open_per_phone:
        raise TooManyOpenCallbacks(rules.max_open_per_phone)


# ---- the member's callbacks -----------------------------------------------------------------


async def of_member(uow: UnitOfWork, account_id: uuid.UUID) -> list[Callback]:
    async with uow.connect() as conn:
        return await repo.of_account(conn, account_id)


async def one_of_member(uow: UnitOfWork, account_id: uuid.UUID, callback_id: uuid.UUID) -> Callback:
    async with uow.connect() as conn:
        callback = await repo.get(conn, callback_id)
    if callback is None or callback.account_id != account_id:
        raise CallbackNotFound()
    return callback


async def _owned_for_update(conn: asyncpg.Connection, account_id: uuid.UUID, callback_id: uuid.UUID) -> Callback:
    callback = await repo.get(conn, callback_id, for_update=True)
    if callback is None or callback.account_id != account_id:
        raise CallbackNotFound()
    return callback


async def move(uow: UnitOfWork, rules: Rules, account_id: uuid.UUID, callback_id: uuid.UUID,
               slot_start: datetime, now: datetime, cache: SlotsCache | None = None) -> Callback:
    """The member moves their callback (or books again after a missed call) until the slot starts."""
    slot = rules.calendar.slot_at(slot_start, now)
    try:
        async with uow.begin() as tx:
            callback = await _owned_for_update(tx.conn, account_id, callback_id)
            if callback.status is Status.SCHEDULED and callback.slot_start == slot.start:
                return callback
            changed = rules_.moved(callback, slot, now)
            if not await _take_place(tx.conn, rules, slot):
                raise SlotFull([])
            due = rules.calendar.reminder_due(slot, rules.reminder_hour) if callback.phone_mobile else None
            await repo.save_state(tx.conn, changed, due, reset_reminder=True)
            tx.publish(CallbackRescheduled(
                callback_id=callback.id, account_id=account_id, reason=callback.reason.value,
                previous_slot_start=callback.slot_start, slot_start=slot.start, slot_end=slot.end, rescheduled_at=now))
    except SlotFull:
        raise SlotFull(await _suggestions(uow, rules, now, slot.start, cache)) from None
    log.info("callback.rescheduled", callback_id=str(callback_id))
    return changed


async def cancel(uow: UnitOfWork, account_id: uuid.UUID, callback_id: uuid.UUID, now: datetime) -> Callback:
    """The member cancels until the slot starts; the place is free again at once."""
    async with uow.begin() as tx:
        callback = await _owned_for_update(tx.conn, account_id, callback_id)
        changed = rules_.cancelled_by_member(callback, now)
        await repo.save_state(tx.conn, changed)
        tx.publish(CallbackCancelled(callback_id=callback.id, account_id=account_id, slot_start=callback.slot_start,
                                     cancelled_by="member", cancelled_at=now))
    log.info("callback.cancelled", callback_id=str(callback_id), by="member")
    return changed
