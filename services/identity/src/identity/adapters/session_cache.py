"""The accounts behind open sessions, in memory, dropped the moment the database changes.

``GET /v1/me`` runs on every screen of the member space. Its answer depends on two rows
(the session and the account); triggers on both tables (migration 0002) send ``NOTIFY
identity_cache`` with the account id inside the writing transaction, so the shared
``NotifiedCache`` drops that account's copies at commit in every API process.
"""

from __future__ import annotations

import uuid
from typing import Awaitable, Callable

import asyncpg

from ms_platform.cache import NotifiedCache

CHANNEL = "identity_cache"
Loader = Callable[[], Awaitable[asyncpg.Record | None]]


class SessionCache(NotifiedCache[tuple[uuid.UUID, uuid.UUID], asyncpg.Record]):
    def __init__(self, dsn: str, ttl_s: float = 30.0, max_entries: int = 50_000) -> None:
        super().__init__(dsn, CHANNEL, ttl_s, max_entries)

    async def get(self, account_id: uuid.UUID, session_id: uuid.UUID, load: Loader) -> asyncpg.Record | None:
        """The cached account for this open session, or what ``load`` reads (then cached)."""
        key = (account_id, session_id)
        row = self.lookup(key)
        if row is None:
            row = await load()
            if row is not None:
                self.store(key, str(account_id), row)
        return row
