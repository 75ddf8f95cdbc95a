"""UnitOfWork against the real PostgreSQL: commit, rollback, outbox rows in the same
transaction, and no connection left checked out."""

from __future__ import annotations

import asyncio
import os
import uuid

import asyncpg
import pytest

from ms_platform.db import create_pool
from ms_platform.uow import UnitOfWork

pytestmark = pytest.mark.integration


@pytest.fixture
def dsn() -> str:
    dsn = os.environ.get("PLATFORM_TEST_DATABASE_URL")
    assert dsn, "PLATFORM_TEST_DATABASE_URL missing: run make up (it writes var/local.env)"
    return dsn


@pytest.fixture
async def pool(dsn):
    pool = await create_pool(dsn, min_size=1, max_size=2)
    yield pool
    await pool.close()


@pytest.fixture
async def tables(pool):
    """A table of rows and a table of 'outbox' rows, of this test's own."""
    suffix = uuid.uuid4().hex[:10]
    names = (f"uow_row_{suffix}", f"uow_outbox_{suffix}")
    async with pool.acquire() as conn:
        await conn.execute(f"create table {names[0]} (id uuid primary key)")
        await conn.execute(f"create table {names[1]} (event text not null)")
    yield names
    async with pool.acquire() as conn:
        for name in names:
            await conn.execute(f"drop table {name}")


def appender(table: str):
    async def append(conn: asyncpg.Connection, *events: str) -> None:
        assert conn.is_in_transaction()  # the outbox rule: the same transaction as the change
        await conn.executemany(f"insert into {table} (event) values ($1)", [(e,) for e in events])
    return append


async def count(pool, table: str) -> int:
    async with pool.acquire() as conn:
        return await conn.fetchval(f"select count(*) from {table}")


async def test_a_clean_block_commits_the_change_with_its_outbox_rows(pool, tables):
    rows, outbox = tables
    async with UnitOfWork(pool, appender(outbox)).begin() as tx:
        await tx.conn.execute(f"insert into {rows} values ($1)", uuid.uuid4())
        tx.publish("row.created")
    assert await count(pool, rows) == 1
    assert await count(pool, outbox) == 1
    assert pool.get_idle_size() == pool.get_size()


async def test_a_block_that_raises_leaves_neither_the_change_nor_its_outbox_rows(pool, tables):
    rows, outbox = tables
    with pytest.raises(RuntimeError):
        async with UnitOfWork(pool, appender(outbox)).begin() as tx:
            await tx.conn.execute(f"insert into {rows} values ($1)", uuid.uuid4())
            tx.publish("row.created")
            raise RuntimeError("refused by a rule")
    assert await count(pool, rows) == 0
    assert await count(pool, outbox) == 0
    assert pool.get_idle_size() == pool.get_size()


async def test_a_failing_outbox_write_rolls_the_change_back(pool, tables):
    rows, _ = tables
    with pytest.raises(asyncpg.UndefinedTableError):
        async with UnitOfWork(pool, appender("no_such_outbox")).begin() as tx:
            await tx.conn.execute(f"insert into {rows} values ($1)", uuid.uuid4())
            tx.publish("row.created")
    assert await count(pool, rows) == 0


async def test_a_statement_error_rolls_back_and_the_connection_is_usable_again(pool, tables):
    rows, _ = tables
    same = uuid.uuid4()
    with pytest.raises(asyncpg.UniqueViolationError):
        async with UnitOfWork(pool).begin() as tx:
            await tx.conn.execute(f"insert into {rows} values ($1)", same)
            await tx.conn.execute(f"insert into {rows} values ($1)", same)
    async with UnitOfWork(pool).begin() as tx:  # both pool connections serve again
        await tx.conn.execute(f"insert into {rows} values ($1)", uuid.uuid4())
    assert await count(pool, rows) == 1


async def test_cancelled_units_of_work_give_back_every_connection(pool, tables):
    rows, _ = tables
    uow = UnitOfWork(pool)

    async def slow() -> None:
        async with uow.begin() as tx:
            await tx.conn.execute(f"insert into {rows} values ($1)", uuid.uuid4())
            await asyncio.sleep(10)

    tasks = [asyncio.create_task(slow()) for _ in range(4)]  # more than the pool holds
    await asyncio.sleep(0.3)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert await count(pool, rows) == 0
    assert pool.get_idle_size() == pool.get_size()


async def test_connect_reads_without_holding_a_transaction(pool, tables):
    rows, _ = tables
    async with UnitOfWork(pool).connect() as conn:
        assert not conn.is_in_transaction()
        assert await conn.fetchval(f"select count(*) from {rows}") == 0
    assert pool.get_idle_size() == pool.get_size()
