"""Employee list pages (AF-4), as the JSON answered, in memory, dropped the moment the company's
employees or group contracts change.

An employer opens the employee list far more often than the company's employees change (online
requests are processed in batches, offline ones imported a few times a year). Triggers (migration
0005) send ``NOTIFY affiliation_pages`` with the company's SIREN inside every transaction that
writes an employee, a group contract or the company; the shared ``NotifiedCache`` drops that
company's pages at commit in every API process, and the platform's read-your-writes wait holds a
writer's next answer until it happened. Only pages without a search term (``q``) and of at most
``MAX_CACHED_LIMIT`` rows are kept, at most ``max_entries`` of them: memory stays bounded whatever
the callers ask. Authorisation is checked before the cache is read.
"""

from __future__ import annotations

import uuid
from typing import Awaitable, Callable

from ms_platform.cache import NotifiedCache

CHANNEL = "affiliation_pages"
MAX_CACHED_LIMIT = 100
# siren, group contract filter, source filter, cursor, limit
Key = tuple[str, uuid.UUID | None, str | None, str | None, int]


class PagesCache(NotifiedCache[Key, bytes]):
    def __init__(self, dsn: str | None, ttl_s: float = 30.0, max_entries: int = 256) -> None:
        super().__init__(dsn, CHANNEL, ttl_s, max_entries)
        # Bumped by every drop: a page read while a change committed is not kept (it may predate it).
        self._generation = 0

    def invalidate(self, tag: str) -> None:
        self._generation += 1
        super().invalidate(tag)

    async def get(self, key: Key | None, load: Callable[[], Awaitable[bytes]]) -> bytes:
        """The page's JSON from memory, or from ``load`` (kept when ``key`` is not None)."""
        if key is None:
            return await load()
        found = self.lookup(key)
        if found is None:
            generation = self._generation
            found = await load()
            if generation == self._generation:
                self.store(key, key[0], found)
        return found


def page_key(siren: str, q: str | None, group_contract_id: uuid.UUID | None, source: str | None,
             cursor: str | None, limit: int) -> Key | None:
    """The cache key of a page worth keeping, or None (searches, large pages)."""
    if q or limit > MAX_CACHED_LIMIT:
        return None
    return (siren, group_contract_id, source, cursor, limit)
