"""PostgreSQL LISTEN on a connection of its own, kept alive across connection and server loss.

``Listener`` holds one connection LISTENing on one or more channels and calls
``on_notify(channel, payload)`` for each notification. When the connection dies (the backend
was terminated, the server restarted, the network broke) it reconnects with backoff.
Notifications sent while nobody listened are lost, and PostgreSQL does not replay them, so
the user is told through ``on_listening(bool)``: ``False`` when the connection is gone,
``True`` once LISTEN is in place again. A user treats ``True`` as "anything may have
changed": a cache drops its copies, a relay or a dispatcher looks for work at once.

A dead connection is noticed by asyncpg's termination callback, and also by a short query
every ``check_every_s`` (a broken network may close nothing).
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Iterable

import asyncpg
import structlog

log = structlog.get_logger()

OnNotify = Callable[[str, str], None]
OnListening = Callable[[bool], None]

_LOST = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncio.TimeoutError)


class NotListening(RuntimeError):
    """The listening connection is down (``Listener.execute`` cannot run)."""


class Listener:
    """LISTEN on ``channels`` over a connection from ``source`` (a DSN, or a pool to borrow from)."""

    def __init__(
        self,
        source: str | asyncpg.Pool | None,
        channels: Iterable[str],
        on_notify: OnNotify,
        *,
        on_listening: OnListening | None = None,
        check_every_s: float = 1.0,
        first_backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
    ) -> None:
        self._source = source
        self.channels = tuple(channels)
        self._on_notify = on_notify
        self._on_listening = on_listening or (lambda _up: None)
        self._check_every_s = check_every_s
        self._first_backoff_s = first_backoff_s
        self._max_backoff_s = max_backoff_s
        self._conn: asyncpg.Connection | None = None
        self._busy = asyncio.Lock()  # one query at a time on the connection
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None

    @property
    def listening(self) -> bool:
        return self._conn is not None

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self.run(self._stop))

    async def close(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._task is not None:
            task, self._task = self._task, None
            await asyncio.wait_for(task, timeout=timeout_s)

    async def __aenter__(self) -> "Listener":
        """Listening for the life of the block (reconnecting as needed)."""
        self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def execute(self, query: str, *args: Any, timeout_s: float = 2.0) -> str:
        """Run ``query`` on the listening connection itself (e.g. a NOTIFY that must come back
        after everything committed before it). Raises ``NotListening`` while it is down."""
        conn = self._conn
        if conn is None:
            raise NotListening(", ".join(self.channels))
        async with self._busy:
            return await asyncio.wait_for(conn.execute(query, *args), timeout=timeout_s)

    async def run(self, stop: asyncio.Event) -> None:
        """Listen until ``stop`` is set, reconnecting with backoff."""
        backoff = self._first_backoff_s
        while not stop.is_set():
            try:
                conn = await self._connect()
            except _LOST as exc:
                log.warning("listen.connect_failed", channels=self.channels, error=type(exc).__name__,
                            retry_in_s=backoff)
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, self._max_backoff_s)
                continue
            backoff = self._first_backoff_s
            try:
                await self._listen_on(conn, stop)
            finally:
                await self._let_go(conn)

    async def _listen_on(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _c: lost.set())
        try:
            for channel in self.channels:
                await conn.add_listener(channel, self._notified)
        except _LOST as exc:
            log.warning("listen.listen_failed", channels=self.channels, error=type(exc).__name__)
            return
        self._conn = conn
        self._on_listening(True)
        try:
            await self._watch(conn, lost, stop)
        finally:
            self._conn = None
            self._on_listening(False)
        if not stop.is_set():
            log.warning("listen.lost", channels=self.channels)

    async def _watch(self, conn: asyncpg.Connection, lost: asyncio.Event, stop: asyncio.Event) -> None:
        """Return when ``stop`` is set or the connection is gone."""
        while not stop.is_set():
            await _wait_any(lost, stop, self._check_every_s)
            if stop.is_set():
                return
            if lost.is_set() or _closed(conn):
                return
            try:
                async with self._busy:
                    await asyncio.wait_for(conn.execute("select 1"), timeout=2)
            except _LOST:
                return

    def _notified(self, _conn: object, _pid: int, channel: str, payload: str) -> None:
        try:
            self._on_notify(channel, payload)
        except Exception:  # one bad callback must not stop the notifications behind it
            log.exception("listen.callback_failed", channel=channel)

    async def _connect(self) -> asyncpg.Connection:
        if isinstance(self._source, asyncpg.Pool):
            return await self._source.acquire(timeout=5)
        return await asyncpg.connect(self._source, timeout=5)

    async def _let_go(self, conn: asyncpg.Connection) -> None:
        """Close our own connection; a borrowed one goes back to its pool without listeners."""
        if not isinstance(self._source, asyncpg.Pool):
            if not conn.is_closed():
                try:
                    await conn.close(timeout=2)
                except _LOST:
                    conn.terminate()
            return
        try:
            if not _closed(conn):
                for channel in self.channels:
                    await asyncio.wait_for(conn.remove_listener(channel, self._notified), timeout=2)
        except _LOST:
            if not _closed(conn):
                conn.terminate()  # the pool replaces a closed connection
        await self._source.release(conn, timeout=2)  # a no-op once the pool took it back


def _closed(conn: asyncpg.Connection) -> bool:
    """Whether ``conn`` is gone; a pool's connection that died was already taken back."""
    try:
        return conn.is_closed()
    except asyncpg.InterfaceError:
        return True


async def _wait_any(event: asyncio.Event, stop: asyncio.Event, timeout: float) -> None:
    waiters = {asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())}
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass
