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

from ms_platform.listen import Listener, NotListening

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
        self._listener = Listener(dsn, [channel], self._notified, on_listening=self._listening_changed)
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
        if not self.listening or not self._listener.listening:
            return  # nothing is cached
        token = f"{_SYNC}{uuid.uuid4().hex}"
        arrived = asyncio.get_running_loop().create_future()
        self._syncs[token] = arrived
        try:
            await self._listener.execute("select pg_notify($1, $2)", self._channel, token)
            await asyncio.wait_for(arrived, timeout_s)
        except (OSError, NotListening, asyncpg.PostgresError, asyncpg.InterfaceError, asyncio.TimeoutError) as exc:
            log.warning("cache.sync_failed", channel=self._channel, error=type(exc).__name__)
            self._entries.clear()
        finally:
            self._syncs.pop(token, None)

    def _notified(self, _channel: str, payload: str) -> None:
        if payload.startswith(_SYNC):  # one process's caught_up: the others have nothing to drop
            arrived = self._syncs.get(payload)
            if arrived is not None and not arrived.done():
                arrived.set_result(None)
            return
        self.invalidate(payload)

    def _listening_changed(self, up: bool) -> None:
        # Anything may have changed while nobody listened: no copy survives a gap.
        self._entries.clear()
        self.listening = up

    def start(self) -> None:
        _LIVE.add(self)
        self._listener.start()

    async def close(self) -> None:
        _LIVE.discard(self)
        await self._listener.close()

    async def __aenter__(self) -> "NotifiedCache[K, V]":
        """Listening for the life of the block (an app's lifespan)."""
        self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()
