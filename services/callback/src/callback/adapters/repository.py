"""SQL for callbacks and slot capacity; every function takes the connection of the caller's unit of work."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from callback.domain.callbacks import Callback, Reason, Status

# The first key of this service's advisory locks on slots (the second: the slot's start in minutes).
SLOT_LOCK_CLASS = 7305
_COLUMNS = ("id, account_id, reason, slot_start, slot_end, phone, phone_mobile, first_name, last_name, comment, "
            "case_number, status, created_at, updated_at, attempts")


def _callback(row: asyncpg.Record) -> Callback:
    values = dict(row)
    values["reason"] = Reason(values["reason"])
    values["status"] = Status(values["status"])
    return Callback(**{k: values[k] for k in Callback.__dataclass_fields__})


async def lock_slot(conn: asyncpg.Connection, slot_start: datetime) -> None:
    """Serialise bookings of one slot until the transaction ends: the count then the insert of a
    booking cannot interleave with another's, so a slot never takes more than its capacity."""
    await conn.execute("select pg_advisory_xact_lock($1, $2)", SLOT_LOCK_CLASS, int(slot_start.timestamp()) // 60)


async def capacity_of(conn: asyncpg.Connection, slot_start: datetime, day: date, default: int) -> int:
    value = await conn.fetchval(
        """select coalesce((select capacity from slot_capacity where slot_start = $1),
                           (select capacity from day_capacity where day = $2), $3)""", slot_start, day, default)
    return int(value)


async def room_left(conn: asyncpg.Connection, slot_start: datetime, day: date, default: int) -> int:
    """Capacity minus scheduled callbacks, in one statement (no lock: a hint, checked again under it)."""
    return await conn.fetchval(
        """select coalesce((select capacity from slot_capacity where slot_start = $1),
                           (select capacity from day_capacity where day = $2), $3)
                - (select count(*) from callback where slot_start = $1 and status = 'scheduled')""",
        slot_start, day, default)


async def booked(conn: asyncpg.Connection, slot_start: datetime) -> int:
    return await conn.fetchval("select count(*) from callback where slot_start = $1 and status = 'scheduled'",
                               slot_start)


async def load_between(conn: asyncpg.Connection, first: datetime, last: datetime,
                       first_day: date, last_day: date) -> tuple[dict[datetime, int], dict[datetime, int], dict[date, int]]:
    """Scheduled counts per slot start, slot capacities and day capacities over a period."""
    counts = await conn.fetch(
        """select slot_start, count(*) as n from callback
            where status = 'scheduled' and slot_start between $1 and $2 group by slot_start""", first, last)
    slots = await conn.fetch("select slot_start, capacity from slot_capacity where slot_start between $1 and $2",
                             first, last)
    days = await conn.fetch("select day, capacity from day_capacity where day between $1 and $2", first_day, last_day)
    return ({r["slot_start"]: r["n"] for r in counts}, {r["slot_start"]: r["capacity"] for r in slots},
            {r["day"]: r["capacity"] for r in days})


async def open_count(conn: asyncpg.Connection, *, account_id: uuid.UUID | None = None, phone: str | None = None) -> int:
    if account_id is not None:
        return await conn.fetchval(
            "select count(*) from callback where account_id = $1 and status = 'scheduled'", account_id)
    return await conn.fetchval("select count(*) from callback where phone = $1 and status = 'scheduled'", phone)


async def by_idempotency_key(conn: asyncpg.Connection, key: str) -> Callback | None:
    row = await conn.fetchrow(f"select {_COLUMNS} from callback where idempotency_key = $1 and erased_at is null", key)
    return _callback(row) if row else None


async def add(conn: asyncpg.Connection, callback: Callback, idempotency_key: str | None,
              reminder_due_at: datetime | None) -> None:
    await conn.execute(
        f"""insert into callback ({_COLUMNS}, idempotency_key, reminder_due_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)""",
        callback.id, callback.account_id, callback.reason.value, callback.slot_start, callback.slot_end,
        callback.phone, callback.phone_mobile, callback.first_name, callback.last_name, callback.comment,
        callback.case_number, callback.status.value, callback.created_at, callback.updated_at, callback.attempts,
        idempotency_key, reminder_due_at)


async def get(conn: asyncpg.Connection, callback_id: uuid.UUID, *, for_update: bool = False) -> Callback | None:
    lock = " for update" if for_update else ""
    row = await conn.fetchrow(f"select {_COLUMNS} from callback where id = $1 and erased_at is null{lock}", callback_id)
    return _callback(row) if row else None


async def save_state(conn: asyncpg.Connection, callback: Callback, reminder_due_at: datetime | None = None,
                     reset_reminder: bool = False) -> None:
    """Write a callback's slot, status and attempts (a move resets its reminder)."""
    await conn.execute(
        """update callback set slot_start = $2, slot_end = $3, status = $4, updated_at = $5, attempts = $6,
                  reminder_due_at = case when $7 then $8 else reminder_due_at end,
                  reminder_published_at = case when $7 then null else reminder_published_at end
            where id = $1""",
        callback.id, callback.slot_start, callback.slot_end, callback.status.value, callback.updated_at,
        callback.attempts, reset_reminder, reminder_due_at)


async def of_account(conn: asyncpg.Connection, account_id: uuid.UUID) -> list[Callback]:
    rows = await conn.fetch(
        f"select {_COLUMNS} from callback where account_id = $1 and erased_at is null order by slot_start, id",
        account_id)
    return [_callback(r) for r in rows]


async def of_day(conn: asyncpg.Connection, first: datetime, last: datetime) -> list[Callback]:
    rows = await conn.fetch(
        f"""select {_COLUMNS} from callback where slot_start >= $1 and slot_start < $2 and erased_at is null
             order by slot_start, created_at, id""", first, last)
    return [_callback(r) for r in rows]


async def set_slot_capacity(conn: asyncpg.Connection, slot_start: datetime, capacity: int, by: uuid.UUID) -> None:
    await conn.execute(
        """insert into slot_capacity (slot_start, capacity, set_by) values ($1, $2, $3)
           on conflict (slot_start) do update set capacity = excluded.capacity, set_by = excluded.set_by,
                                                  updated_at = now()""", slot_start, capacity, by)


async def set_day_capacity(conn: asyncpg.Connection, day: date, capacity: int, by: uuid.UUID) -> None:
    await conn.execute(
        """insert into day_capacity (day, capacity, set_by) values ($1, $2, $3)
           on conflict (day) do update set capacity = excluded.capacity, set_by = excluded.set_by,
                                           updated_at = now()""", day, capacity, by)


async def due_reminders(conn: asyncpg.Connection, now: datetime, limit: int) -> list[asyncpg.Record]:
    """Scheduled callbacks on a mobile whose reminder is due and not yet published, locked for
    this transaction (several workers sweep side by side: skip locked)."""
    return await conn.fetch(
        """select id, account_id, phone, slot_start, slot_end, reminder_due_at from callback
            where status = 'scheduled' and phone_mobile and reminder_published_at is null
              and erased_at is null and phone is not null
              and reminder_due_at <= $1 and slot_start > $1
            order by reminder_due_at limit $2 for update skip locked""", now, limit)


async def mark_reminded(conn: asyncpg.Connection, ids: list[uuid.UUID], now: datetime) -> None:
    await conn.execute("update callback set reminder_published_at = $2 where id = any($1::uuid[])", ids, now)


async def erase_account(conn: asyncpg.Connection, account_id: uuid.UUID, now: datetime) -> int:
    """Pseudonymise: the slot keeps its count history, nothing names or reaches the person."""
    status = await conn.execute(
        """update callback set account_id = null, phone = null, first_name = null, last_name = null,
                  comment = null, case_number = null, idempotency_key = null, erased_at = $2, updated_at = $2,
                  status = case when status = 'scheduled' then 'cancelled' else status end
            where account_id = $1""", account_id, now)
    return int(status.split()[-1])


async def forget_anonymous(conn: asyncpg.Connection, before: datetime, now: datetime) -> int:
    """People without an account: their name, number and comment go once the slot is long past."""
    status = await conn.execute(
        """update callback set phone = null, first_name = null, last_name = null, comment = null,
                  case_number = null, idempotency_key = null, erased_at = $2,
                  status = case when status = 'scheduled' then 'cancelled' else status end
            where account_id is null and erased_at is null and slot_end < $1""", before, now)
    return int(status.split()[-1])


def export_view(callback: Callback) -> dict[str, Any]:
    return {"id": str(callback.id), "reason": callback.reason.value, "slot_start": callback.slot_start.isoformat(),
            "slot_end": callback.slot_end.isoformat(), "phone": callback.phone, "first_name": callback.first_name,
            "last_name": callback.last_name, "comment": callback.comment, "case_number": callback.case_number,
            "status": callback.status.value, "created_at": callback.created_at.isoformat()}
