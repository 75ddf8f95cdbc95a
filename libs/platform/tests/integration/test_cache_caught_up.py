"""NotifiedCache against the real PostgreSQL: a change committed elsewhere empties the copy,
and caught_up returns only once it has."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from ms_platform.cache import NotifiedCache, caught_up_everywhere

pytestmark = pytest.mark.integration


async def listening(cache: NotifiedCache) -> None:
    async with asyncio.timeout(10):
        while not cache.listening:
            await asyncio.sleep(0.01)


async def test_after_caught_up_every_change_committed_before_it_has_emptied_its_copies(dsn):
    channel = f"cache_test_{uuid.uuid4().hex[:8]}"
    async with NotifiedCache(dsn, channel) as cache:
        await listening(cache)
        for n in range(500):
            cache.store(n, f"tag-{n}", n)
        cache.store("other", "tag-other", "kept")
        writer = await asyncpg.connect(dsn)
        try:
            # One commit elsewhere changing 500 cached things: 500 notifications on their way.
            await writer.execute("select pg_notify($1, 'tag-' || n) from generate_series(0, 499) n", channel)
            await caught_up_everywhere()

            assert [n for n in range(500) if cache.lookup(n) is not None] == []
            assert cache.lookup("other") == "kept"  # the sync notification itself drops nothing
        finally:
            await writer.close()


async def test_caught_up_returns_at_once_when_nothing_is_cached(dsn):
    cache = NotifiedCache(dsn, "cache_test_never_started")
    async with asyncio.timeout(1):
        await cache.caught_up()
