"""Members' contract lists, in memory, dropped the moment the database changes.

``GET /v1/contracts`` runs on every screen of the member space and its answer changes only on
imports, beneficiary changes and terminations. Triggers (migration 0003) send
``NOTIFY contracts_cache`` with the holder's id (or '*') inside the writing transaction; the
shared ``NotifiedCache`` drops the holder's copy at commit in every API process.
"in force" is not cached: it is computed from the dates on each request.
"""

from __future__ import annotations

import uuid
from typing import Any, Awaitable, Callable

from ms_platform.cache import NotifiedCache

CHANNEL = "contracts_cache"
Rows = list[dict[str, Any]]
Loader = Callable[[list[uuid.UUID]], Awaitable[dict[uuid.UUID, Rows]]]


class ListingCache(NotifiedCache[uuid.UUID, Rows]):
    def __init__(self, dsn: str | None, ttl_s: float = 30.0, max_entries: int = 50_000) -> None:
        super().__init__(dsn, CHANNEL, ttl_s, max_entries)

    async def get(self, holder_ids: list[uuid.UUID], load: Loader) -> dict[uuid.UUID, Rows]:
        """Each holder's rows, from memory when present, the others from ``load`` (one call)."""
        found: dict[uuid.UUID, Rows] = {}
        for holder in holder_ids:
            rows = self.lookup(holder)
            if rows is not None:
                found[holder] = rows
        missing = [h for h in holder_ids if h not in found]
        if missing:
            loaded = await load(missing)
            for holder in missing:
                found[holder] = loaded.get(holder, [])
                self.store(holder, str(holder), found[holder])
        return found
