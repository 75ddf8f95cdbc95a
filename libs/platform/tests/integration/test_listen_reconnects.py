"""Listener against the real PostgreSQL: a terminated backend is replaced and notifications
keep arriving, from a dedicated connection or from a pool."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from ms_platform.db import create_pool
from ms_platform.listen import Listener

pytestmark = pytest.mark.integration


async def _backend_listening_on(admin: asyncpg.Connection, channel: str, listener: Listener) -> int:
    """The pid of the listener's backend, found by an application name it sets on itself."""
    await listener.execute(f"select set_config('application_name', '{channel}', false)")
    return await admin.fetchval("select pid from pg_stat_activity where application_name = $1", channel)


async def _round_trip(admin: asyncpg.Connection, channel: str, got: asyncio.Queue, payload: str) -> str:
    await admin.execute("select pg_notify($1, $2)", channel, payload)
    async with asyncio.timeout(5):
        return await got.get()


async def _proves_reconnect(source, admin: asyncpg.Connection) -> list[bool]:
    channel = f"listen_test_{uuid.uuid4().hex[:8]}"
    got: asyncio.Queue[str] = asyncio.Queue()
    states: list[bool] = []
    listener = Listener(source, [channel], lambda _c, payload: got.put_nowait(payload),
                        on_listening=states.append, first_backoff_s=0.05)
    async with listener:
        async with asyncio.timeout(10):
            while not listener.listening:
                await asyncio.sleep(0.01)
        assert await _round_trip(admin, channel, got, "before") == "before"

        pid = await _backend_listening_on(admin, channel, listener)
        assert await admin.fetchval("select pg_terminate_backend($1)", pid)
        async with asyncio.timeout(10):
            while states[-1] is not True or len(states) < 3:
                await asyncio.sleep(0.01)

        assert await _round_trip(admin, channel, got, "after") == "after"
    return states


async def test_a_terminated_listening_backend_is_replaced_and_the_next_notification_arrives(dsn):
    admin = await asyncpg.connect(dsn)
    try:
        states = await _proves_reconnect(dsn, admin)
    finally:
        await admin.close()
    assert states == [True, False, True, False]  # the gap was reported, then the end


async def test_a_listener_borrowing_from_a_pool_survives_a_terminated_backend_too(dsn):
    pool = await create_pool(dsn, min_size=1, max_size=2)
    admin = await asyncpg.connect(dsn)
    try:
        states = await _proves_reconnect(pool, admin)
    finally:
        await admin.close()
        await pool.close()
    assert states == [True, False, True, False]
