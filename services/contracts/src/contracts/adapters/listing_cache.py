"""Members' contract lists, in memory, dropped the moment the database changes.

``GET /v1/contracts`` runs on every screen of the member space and its answer changes only on
imports, beneficiary changes and terminations. Triggers (migration 0003) send
``NOTIFY contracts_cache`` with the holder's id (or '*') inside the writing transaction, so every
API process drops its copy when that transaction commits, whoever wrote it. While the listening
connection is down the cache is bypassed; entries also expire after ``ttl_s`` as a safety net.
"in force" is not cached: it is computed from the dates on each request.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from typing import Any, Awaitable, Callable

import asyncpg
import structlog

log = structlog.get_logger()

CHANNEL = "contracts_cache"
Rows = list[dict[str, Any]]
Loader = Callable[[list[uuid.UUID]], Awaitable[dict[uuid.UUID, Rows]]]


class ListingCache:
    def __init__(self, dsn: str | None, ttl_s: float = 30.0, max_entries: int = 50_000) -> None:
        self._dsn = dsn
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._entries: OrderedDict[uuid.UUID, tuple[float, Rows]] = OrderedDict()
        self.listening = False
        self._task: asyncio.Task | None = None
        self._stop = asyncio.Event()

    async def get(self, holder_ids: list[uuid.UUID], load: Loader) -> dict[uuid.UUID, Rows]:
        """Each holder's rows, from memory when present, the others from ``load`` (one call)."""
        now = time.monotonic()
        found: dict[uuid.UUID, Rows] = {}
        if self.listening:
            for holder in holder_ids:
                hit = self._entries.get(holder)
                if hit is not None and hit[0] > now:
                    found[holder] = hit[1]
        missing = [h for h in holder_ids if h not in found]
        if missing:
            loaded = await load(missing)
            for holder in missing:
                found[holder] = loaded.get(holder, [])
                if self.listening:
                    self._entries[holder] = (now + self._ttl_s, found[holder])
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return found

    def invalidate(self, payload: str) -> None:
        if payload == "*":
            self._entries.clear()
            return
        try:
            self._entries.pop(uuid.UUID(payload), None)
        except ValueError:
            self._entries.clear()

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
                log.warning("listing_cache.listen_failed", error=type(exc).__name__)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _c: lost.set())
            await conn.add_listener(CHANNEL, lambda _c, _pid, _ch, payload: self.invalidate(payload))
            self._entries.clear()  # anything may have changed while nobody listened
            self.listening = True
            backoff = 0.2
            try:
                await self._watch(conn, lost)
            finally:
                self.listening = False
                self._entries.clear()
                if not conn.is_closed():
                    await conn.close(timeout=2)

    async def _watch(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        while not self._stop.is_set() and not lost.is_set():
            await self._sleep(1.0)
            if lost.is_set() or conn.is_closed():
                return
            try:
                await asyncio.wait_for(conn.execute("select 1"), timeout=2)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncio.TimeoutError):
                return

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass
