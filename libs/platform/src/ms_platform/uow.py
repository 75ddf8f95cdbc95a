"""Unit of work: one connection, one transaction, the events to publish written at commit.

    async with uow.begin() as tx:
        account = await repo.account_by_id(tx.conn, account_id)
        await repo.close_session(tx.conn, ...)
        tx.publish(SessionClosed(...))
    # committed here, with its outbox rows; rolled back if the block raised

Use cases get a ``UnitOfWork`` from bootstrap and never see the pool. ``begin()`` opens a
new unit each time, so one ``UnitOfWork`` serves concurrent requests. ``connect()`` lends a
connection without a transaction, for reads (and single statements, each its own commit).

ms_platform knows nothing of events: the outbox appender (``ms_events.outbox.append``) is
given by the caller; ``ms_events.outbox.unit_of_work(pool)`` builds one with it.

Read-your-writes through ``NotifiedCache`` needs nothing here: the app factory waits for this
process's caches to catch up before answering a writing request, and the commit happens
before the use case returns, so before that answer.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable, Protocol

import asyncpg

OutboxAppender = Callable[..., Awaitable[Any]]  # (conn, *events) -> ..., inside the transaction


class Pool(Protocol):
    async def acquire(self) -> asyncpg.Connection: ...
    async def release(self, conn: asyncpg.Connection) -> None: ...


class NoOutbox(RuntimeError):
    """Events were published in a unit of work built without an outbox appender."""


class Transaction:
    """One open unit of work: its connection, for repositories, and its events."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.events: list[Any] = []

    def publish(self, *events: Any) -> None:
        """Record events; they reach the outbox in the same transaction, at commit."""
        self.events.extend(events)


class UnitOfWork:
    def __init__(self, pool: Pool, outbox: OutboxAppender | None = None) -> None:
        self._pool = pool
        self._outbox = outbox

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Transaction]:
        """A transaction committed on a clean exit and rolled back on any exception
        (cancellation included); the connection goes back to the pool either way."""
        conn = await self._pool.acquire()
        try:
            transaction = conn.transaction()
            await transaction.start()
            tx = Transaction(conn)
            try:
                yield tx
                await self._write_events(tx)
            except BaseException:
                await transaction.rollback()
                raise
            await transaction.commit()
        finally:
            # A rollback that failed (connection lost) leaves the transaction open: the pool's
            # reset closes or cleans the connection; it is released all the same.
            await self._pool.release(conn)

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection with no transaction around it (reads; one statement is one commit)."""
        conn = await self._pool.acquire()
        try:
            yield conn
        finally:
            await self._pool.release(conn)

    async def _write_events(self, tx: Transaction) -> None:
        if not tx.events:
            return
        if self._outbox is None:
            raise NoOutbox("this unit of work has no outbox: build it with ms_events.outbox.unit_of_work")
        await self._outbox(tx.conn, *tx.events)
