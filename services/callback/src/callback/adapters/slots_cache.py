"""Free slot lists, in memory, dropped the moment a booking or a capacity changes.

``GET /v1/callback-slots`` is the home page's read: every visitor asks for the same 30 days.
Triggers (migration 0004) send ``NOTIFY callback_slots`` in every writing transaction; the
shared ``NotifiedCache`` drops every list at commit in every API process, and the platform's
read-your-writes wait holds a writer's next answer until that happened. A list is also keyed
by the first start still bookable (to the minute), so slots leave it as the clock moves.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Awaitable, Callable

from ms_platform.cache import NotifiedCache

CHANNEL = "callback_slots"
Key = tuple[date | None, date | None, datetime]


class SlotsCache(NotifiedCache[Key, Any]):
    def __init__(self, dsn: str | None, ttl_s: float = 30.0, max_entries: int = 1_000) -> None:
        super().__init__(dsn, CHANNEL, ttl_s, max_entries)

    async def get(self, key: Key, load: Callable[[], Awaitable[Any]]) -> Any:
        found = self.lookup(key)
        if found is None:
            found = await load()
            self.store(key, "*", found)
        return found
