"""SQL for items; every function takes the connection of the caller's unit of work."""

from __future__ import annotations

import uuid

import asyncpg

from claims.domain.model import Item


async def add_item(conn: asyncpg.Connection, item: Item) -> None:
    await conn.execute("insert into item (id, account_id, title, created_at) values ($1, $2, $3, $4)",
                       item.id, item.account_id, item.title, item.created_at)


async def count_items(conn: asyncpg.Connection, account_id: uuid.UUID) -> int:
    return await conn.fetchval("select count(*) from item where account_id = $1", account_id)


async def items_of(conn: asyncpg.Connection, account_id: uuid.UUID) -> list[Item]:
    rows = await conn.fetch(
        "select id, account_id, title, created_at from item where account_id = $1 order by created_at, id",
        account_id)
    return [Item(**dict(r)) for r in rows]


async def delete_items_of(conn: asyncpg.Connection, account_id: uuid.UUID) -> int:
    status = await conn.execute("delete from item where account_id = $1", account_id)
    return int(status.split()[-1])
