"""Use cases of agents and operators (CB-2): the day's queue by slot, call outcomes, capacity."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import structlog

from callback.adapters import repository as repo
from callback.app.callbacks import Rules
from callback.domain import callbacks as rules_
from callback.domain.callbacks import Callback, Outcome
from callback.domain.errors import CallbackNotFound, NotASlot
from ms_events.events.callback import CallbackCancelled, CallbackDone, CallbackMissed
from ms_platform.errors import InvalidInput
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


@dataclass(frozen=True)
class QueueSlot:
    start: datetime
    end: datetime
    capacity: int
    callbacks: list[Callback]


async def queue(uow: UnitOfWork, rules: Rules, day: date) -> list[QueueSlot]:
    """A day's callbacks by slot, with each slot's capacity (the agents' view)."""
    cal = rules.calendar
    first = datetime.combine(day, datetime.min.time(), cal.zone)
    last = first + timedelta(days=1)
    async with uow.connect() as conn:
        callbacks = await repo.of_day(conn, first, last)
        _, slot_caps, day_caps = await repo.load_between(conn, first, last, day, day)
    ends = {s.start: s.end for s in cal.slots_of(day)}
    for c in callbacks:  # callbacks booked before the hours changed keep their own slot
        ends.setdefault(c.slot_start.astimezone(cal.zone), c.slot_end.astimezone(cal.zone))
    return [QueueSlot(start, end, slot_caps.get(start, day_caps.get(day, rules.default_capacity)),
                      [c for c in callbacks if c.slot_start == start])
            for start, end in sorted(ends.items())]


async def record_outcome(uow: UnitOfWork, callback_id: uuid.UUID, outcome: Outcome, now: datetime) -> Callback:
    """An agent marks a callback done, no answer (the member may book again) or cancelled."""
    async with uow.begin() as tx:
        callback = await repo.get(tx.conn, callback_id, for_update=True)
        if callback is None:
            raise CallbackNotFound()
        changed = rules_.with_outcome(callback, outcome, now)
        await repo.save_state(tx.conn, changed)
        if outcome is Outcome.CANCELLED:
            tx.publish(CallbackCancelled(callback_id=callback.id, account_id=callback.account_id,
                                         slot_start=callback.slot_start, cancelled_by="agent", cancelled_at=now))
        elif outcome is Outcome.NO_ANSWER:
            tx.publish(CallbackMissed(callback_id=callback.id, account_id=callback.account_id,
                                      slot_start=callback.slot_start, missed_at=now))
        else:
            tx.publish(CallbackDone(callback_id=callback.id, account_id=callback.account_id,
                                    slot_start=callback.slot_start, done_at=now))
    log.info("callback.outcome", callback_id=str(callback_id), outcome=outcome.value)
    return changed


async def set_capacity(uow: UnitOfWork, rules: Rules, by: uuid.UUID, day: date, capacity: int,
                       slot_start: datetime | None, now: datetime) -> None:
    """Agents available on a day, or on one slot of it (the slot's figure wins over the day's)."""
    cal = rules.calendar
    if day < cal.today(now) or day > cal.last_bookable_day(now):
        raise InvalidInput(f"Choisissez un jour entre aujourd'hui et dans {cal.horizon_days} jours.", field="day")
    async with uow.begin() as tx:
        if slot_start is None:
            await repo.set_day_capacity(tx.conn, day, capacity, by)
        else:
            if slot_start.tzinfo is None or slot_start.astimezone(cal.zone) not in {s.start for s in cal.slots_of(day)}:
                raise NotASlot("Ce jour n'a pas de créneau commençant à cette heure.")
            await repo.set_slot_capacity(tx.conn, slot_start, capacity, by)
    log.info("callback.capacity_set", day=day.isoformat(), per_slot=slot_start is not None, capacity=capacity)
