"""UnitOfWork over a fake pool: what it commits, rolls back, writes to the outbox and returns."""

from __future__ import annotations

import asyncio

import pytest

from ms_platform.uow import NoOutbox, UnitOfWork


class FakeTransaction:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def start(self) -> None:
        self.log.append("begin")

    async def commit(self) -> None:
        self.log.append("commit")

    async def rollback(self) -> None:
        self.log.append("rollback")


class FakeConnection:
    def __init__(self) -> None:
        self.log: list[str] = []

    def transaction(self) -> FakeTransaction:
        return FakeTransaction(self.log)


class FakePool:
    def __init__(self) -> None:
        self.conn = FakeConnection()
        self.out = 0

    async def acquire(self) -> FakeConnection:
        self.out += 1
        return self.conn

    async def release(self, conn: FakeConnection) -> None:
        assert conn is self.conn
        self.out -= 1


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    async def __call__(self, conn, *events) -> None:
        conn.log.append("outbox")
        self.calls.append(events)


async def test_a_clean_block_commits_once_and_returns_its_connection():
    pool = FakePool()
    async with UnitOfWork(pool).begin() as tx:
        assert tx.conn is pool.conn
        assert pool.out == 1
    assert pool.conn.log == ["begin", "commit"]
    assert pool.out == 0


async def test_a_block_that_raises_rolls_back_and_returns_its_connection():
    pool = FakePool()
    with pytest.raises(ValueError):
        async with UnitOfWork(pool).begin():
            raise ValueError("refused")
    assert pool.conn.log == ["begin", "rollback"]
    assert pool.out == 0


async def test_a_cancelled_block_rolls_back_too():
    pool = FakePool()
    with pytest.raises(asyncio.CancelledError):
        async with UnitOfWork(pool).begin():
            raise asyncio.CancelledError()
    assert pool.conn.log == ["begin", "rollback"] and pool.out == 0


async def test_published_events_reach_the_outbox_in_one_call_just_before_the_commit():
    pool, outbox = FakePool(), Recorder()
    async with UnitOfWork(pool, outbox).begin() as tx:
        tx.publish("created")
        tx.publish("told", "logged")
    assert outbox.calls == [("created", "told", "logged")]
    assert pool.conn.log == ["begin", "outbox", "commit"]


async def test_events_of_a_rolled_back_block_are_never_written():
    pool, outbox = FakePool(), Recorder()
    with pytest.raises(ValueError):
        async with UnitOfWork(pool, outbox).begin() as tx:
            tx.publish("created")
            raise ValueError("refused")
    assert outbox.calls == []


async def test_a_block_without_events_does_not_touch_the_outbox():
    pool, outbox = FakePool(), Recorder()
    async with UnitOfWork(pool, outbox).begin():
        pass
    assert outbox.calls == [] and pool.conn.log == ["begin", "commit"]


async def test_publishing_without_an_outbox_rolls_back_instead_of_losing_the_events():
    pool = FakePool()
    with pytest.raises(NoOutbox):
        async with UnitOfWork(pool).begin() as tx:
            tx.publish("created")
    assert pool.conn.log == ["begin", "rollback"] and pool.out == 0


async def test_a_failed_commit_still_returns_the_connection():
    pool = FakePool()

    async def broken_commit() -> None:
        raise ConnectionError("server gone")

    real = pool.conn.transaction

    def transaction():
        t = real()
        t.commit = broken_commit
        return t

    pool.conn.transaction = transaction
    with pytest.raises(ConnectionError):
        async with UnitOfWork(pool).begin():
            pass
    assert pool.out == 0


async def test_connect_lends_a_connection_without_a_transaction_and_takes_it_back():
    pool = FakePool()
    with pytest.raises(KeyError):
        async with UnitOfWork(pool).connect() as conn:
            assert conn is pool.conn and pool.out == 1
            raise KeyError("boom")
    assert pool.conn.log == [] and pool.out == 0
