"""asyncpg pool creation and the errors that mean "the database is not there"."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import structlog
from tenacity import AsyncRetrying, retry_if_exception, stop_after_delay, wait_exponential

log = structlog.get_logger()

_UNAVAILABLE = (
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InterfaceError,
    ConnectionError,
    OSError,
    asyncio.TimeoutError,
)


def is_database_unavailable(exc: BaseException) -> bool:
    """True for errors meaning the database cannot be reached right now (answer 503)."""
    if isinstance(exc, asyncpg.exceptions.InterfaceError):
        return "connection" in str(exc).lower() or "pool" in str(exc).lower()
    return isinstance(exc, _UNAVAILABLE)


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(
            typename, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


async def _reset_if_needed(conn: asyncpg.Connection) -> None:
    """Skip asyncpg's reset round trip unless a transaction was left open.

    Pool connections carry no session state here: LISTEN users remove their listeners and
    advisory locks are transaction-scoped (``pg_advisory_xact_lock``).
    """
    if conn.is_in_transaction():
        await conn.reset()


async def create_pool(
    dsn: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    command_timeout: float = 5.0,
    wait_s: float = 30.0,
) -> asyncpg.Pool:
    """A pool whose connections decode json/jsonb; waits up to ``wait_s`` for the server."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(is_database_unavailable),
        wait=wait_exponential(multiplier=0.2, max=2),
        stop=stop_after_delay(wait_s),
        reraise=True,
    ):
        with attempt:
            return await asyncpg.create_pool(
                dsn,
                min_size=min_size,
                max_size=max_size,
                command_timeout=command_timeout,
                init=_init_connection,
                reset=_reset_if_needed,
                # Connections to a restarted server must not be reused.
                max_inactive_connection_lifetime=60,
            )
    raise AssertionError("unreachable")


async def ping(pool: asyncpg.Pool, timeout: float = 1.0) -> bool:
    try:
        async with asyncio.timeout(timeout):
            async with pool.acquire() as conn:
                await conn.fetchval("select 1")
        return True
    except Exception as exc:  # readiness reports, it does not raise
        log.warning("database.ping_failed", error=type(exc).__name__)
        return False


def jsonable(value: Any) -> Any:
    """Round-trip through JSON so values stored in jsonb compare equal when read back."""
    return json.loads(json.dumps(value, default=str))
