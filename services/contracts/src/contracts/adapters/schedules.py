"""SQL for contribution schedules (CT-5). Callers own the transactions."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import asyncpg

from contracts.domain.schedules import Schedule


async def replace_year(conn: asyncpg.Connection, contract_id: uuid.UUID, schedule: Schedule) -> bool:
    """Make the contract's debits of ``schedule.year`` exactly these; False when they already were."""
    first, last = date(schedule.year, 1, 1), date(schedule.year, 12, 31)
    current = await conn.fetch(
        """select due_date, amount_eur from contribution_schedule
            where contract_id = $1 and due_date between $2 and $3""",
        contract_id, first, last,
    )
    if {(r["due_date"], r["amount_eur"]) for r in current} == set(schedule.debits):
        return False
    await conn.execute(
        "delete from contribution_schedule where contract_id = $1 and due_date between $2 and $3",
        contract_id, first, last,
    )
    await conn.executemany(
        "insert into contribution_schedule (contract_id, due_date, amount_eur) values ($1, $2, $3)",
        [(contract_id, due, amount) for due, amount in schedule.debits],
    )
    return True


async def debits_of_year(conn: asyncpg.Connection, contract_id: uuid.UUID, year: int) -> list[tuple[date, Decimal]]:
    rows = await conn.fetch(
        """select due_date, amount_eur from contribution_schedule
            where contract_id = $1 and due_date between $2 and $3 order by due_date""",
        contract_id, date(year, 1, 1), date(year, 12, 31),
    )
    return [(r["due_date"], r["amount_eur"]) for r in rows]


async def debits_from(
    conn: asyncpg.Connection, contract_ids: list[uuid.UUID], since: date
) -> dict[uuid.UUID, list[tuple[date, Decimal]]]:
    """Each contract's debits planned on or after ``since`` (callers ask a few days early: a planned day moves)."""
    rows = await conn.fetch(
        """select contract_id, due_date, amount_eur from contribution_schedule
            where contract_id = any($1::uuid[]) and due_date >= $2 order by due_date""",
        contract_ids, since,
    )
    result: dict[uuid.UUID, list[tuple[date, Decimal]]] = {cid: [] for cid in contract_ids}
    for r in rows:
        result[r["contract_id"]].append((r["due_date"], r["amount_eur"]))
    return result
