"""An in-memory read cache that the database empties: entries are dropped the moment a
transaction that changes their rows commits.

Triggers on the cached tables send ``NOTIFY <channel>, '<tag>'`` inside the writing
transaction; every process holding a copy drops the entries carrying that tag when the
notification arrives, i.e. at commit, whoever wrote. ``'*'`` drops everything. While the
listening connection is down the cache is bypassed (lookups miss, nothing is stored), and
entries expire after ``ttl_s`` anyway as a safety net.

A notification reaches the process a moment after the commit. So that a caller's next request
sees its own change, ``caught_up`` waits until everything committed before it has been applied
here (PostgreSQL delivers notifications to a listener in commit order, so a notification of
our own, sent now, arrives after them); the app factory awaits it before answering any
request that may have written (``caught_up_everywhere``).
"""

from __future__ import annotations

import asyncio
import time
import uuid
import weakref
from collections import OrderedDict
from typing import Generic, Hashable, TypeVar

import asyncpg
import structlog

log = structlog.get_logger()

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_SYNC = "sync:"  # payload prefix of caught_up's own notifications: never a tag
_LIVE: "weakref.WeakSet[NotifiedCache]" = weakref.WeakSet()  # this process's started caches


async def caught_up_everywhere() -> None:
    """``caught_up`` for every cache this process runs (none: returns at once)."""
    caches = list(_LIVE)
    if caches:
        await asyncio.gather(*(cache.caught_up() for cache in caches))


class NotifiedCache(Generic[K, V]):
    def __init__(self, dsn: str | None, channel: str, ttl_s: float = 30.0, max_entries: int = 50_000) -> None:
        self._dsn = dsn
        self._channel = channel
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._entries: OrderedDict[K, tuple[float, str, V]] = OrderedDict()
        self.listening = False
        self._task: asyncio.Task | None = None
        self._stop = asyncio.Event()
        self._conn: asyncpg.Connection | None = None  # the listening connection, while it lives
        self._conn_busy = asyncio.Lock()  # one query at a time on it
        self._syncs: dict[str, asyncio.Future] = {}

    def lookup(self, key: K) -> V | None:
        """The cached value, or None when absent, expired or not listening."""
        if not self.listening:
            return None
        hit = self._entries.get(key)
        if hit is None or hit[0] <= time.monotonic():
            return None
        return hit[2]

    def store(self, key: K, tag: str, value: V) -> None:
        """Keep ``value`` until a notification names ``tag`` (only while listening)."""
        if not self.listening:
            return
        self._entries[key] = (time.monotonic() + self._ttl_s, tag, value)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def invalidate(self, tag: str) -> None:
        if tag == "*":
            self._entries.clear()
            return
        for key in [k for k, entry in self._entries.items() if entry[1] == tag]:
            del self._entries[key]

    async def caught_up(self, timeout_s: float = 1.0) -> None:
        """Return once every change committed before this call has emptied its copies here.

        Sends a notification of its own on the listening connection and waits for it to come
        back. If it does not within ``timeout_s``, every copy is dropped instead."""
        conn = self._conn
        if not self.listening or conn is None:
            return  # nothing is cached
        token = f"{_SYNC}{uuid.uuid4().hex}"
        arrived = asyncio.get_running_loop().create_future()
        self._syncs[token] = arrived
        try:
            async with self._conn_busy:
                await conn.execute("select pg_notify($1, $2)", self._channel, token)
            await asyncio.wait_for(arrived, timeout_s)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncio.TimeoutError) as exc:
            log.warning("cache.sync_failed", channel=self._channel, error=type(exc).__name__)
            self._entries.clear()
        finally:
            self._syncs.pop(token, None)

    def _notified(self, payload: str) -> None:
        if payload.startswith(_SYNC):  # one process's caught_up: the others have nothing to drop
            arrived = self._syncs.get(payload)
            if arrived is not None and not arrived.done():
                arrived.set_result(None)
            return
        self.invalidate(payload)

    def start(self) -> None:
        _LIVE.add(self)
        self._task = asyncio.create_task(self._listen_forever())

    async def close(self) -> None:
        _LIVE.discard(self)
        self._stop.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, timeout=5)

    async def __aenter__(self) -> "NotifiedCache[K, V]":
        """Listening for the life of the block (an app's lifespan)."""
        self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def _listen_forever(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            try:
                conn = await asyncpg.connect(self._dsn, timeout=5)
            except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
                log.warning("cache.listen_failed", channel=self._channel, error=type(exc).__name__)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _c: lost.set())
            await conn.add_listener(self._channel, lambda _c, _pid, _ch, payload: self._notified(payload))
            self._entries.clear()  # anything may have changed while nobody listened
            self._conn = conn
            self.listening = True
            backoff = 0.2
            try:
                await self._watch(conn, lost)
            finally:
                self.listening = False
                self._conn = None
                self._entries.clear()
                if not conn.is_closed():
                    await conn.close(timeout=2)

    async def _watch(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Return when the listening connection is gone (checked every second)."""
        while not self._stop.is_set() and not lost.is_set():
            await self._sleep(1.0)
            if lost.is_set() or conn.is_closed():
                return
            try:
                async with self._conn_busy:
                    await asyncio.wait_for(conn.execute("select 1"), timeout=2)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncio.TimeoutError):
                return

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass
