"""The accounts behind open sessions, in memory, dropped the moment the database changes.

``GET /v1/me`` runs on every screen of the member space. Its answer depends on two rows
(the session and the account); a trigger on both tables sends ``NOTIFY identity_cache``
with the account id inside the writing transaction, so every API process drops its copy
when that transaction commits — whoever wrote it. While the listening connection is down
the cache is bypassed, and entries also expire after ``ttl_s`` as a safety net.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from typing import Awaitable, Callable

import asyncpg
import structlog

log = structlog.get_logger()

CHANNEL = "identity_cache"
Loader = Callable[[], Awaitable[asyncpg.Record | None]]


class SessionCache:
    def __init__(self, dsn: str, ttl_s: float = 30.0, max_entries: int = 50_000) -> None:
        self._dsn = dsn
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._entries: OrderedDict[tuple[uuid.UUID, uuid.UUID], tuple[float, asyncpg.Record]] = OrderedDict()
        self._listening = False
        self._task: asyncio.Task | None = None
        self._stop = asyncio.Event()

    async def get(self, account_id: uuid.UUID, session_id: uuid.UUID, load: Loader) -> asyncpg.Record | None:
        """The cached account for this open session, or what ``load`` reads (then cached)."""
        key = (account_id, session_id)
        if self._listening:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > time.monotonic():
                return hit[1]
        row = await load()
        if row is not None and self._listening:
            self._entries[key] = (time.monotonic() + self._ttl_s, row)
            if len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return row

    def invalidate(self, account_id: str) -> None:
        for key in [k for k in self._entries if str(k[0]) == account_id]:
            del self._entries[key]

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen_forever())

    async def close(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, timeout=5)

    async def _listen_forever(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            try:
                conn = await asyncpg.connect(self._dsn, timeout=5)
            except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
                log.warning("session_cache.listen_failed", error=type(exc).__name__)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _c: lost.set())
            await conn.add_listener(CHANNEL, lambda _c, _pid, _ch, payload: self.invalidate(payload))
            self._entries.clear()  # anything may have changed while nobody listened
            self._listening = True
            backoff = 0.2
            try:
                while not self._stop.is_set() and not lost.is_set():
                    await self._sleep(1.0)
                    if lost.is_set() or conn.is_closed():
                        break
                    try:
                        await asyncio.wait_for(conn.execute("select 1"), timeout=2)
                    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncio.TimeoutError):
                        break
            finally:
                self._listening = False
                self._entries.clear()
                if not conn.is_closed():
                    await conn.close(timeout=2)

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass
