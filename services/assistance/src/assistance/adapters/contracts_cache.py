"""Each holder's contracts from contracts' projection, in memory, dropped the moment it changes.

``GET /v1/assistance/eligible-services`` (« Je sais ce dont j'ai besoin ») and the declaration of
an event read which contracts the member holds. Only the case-opening worker writes the
projection (ContractRegistered, TerminationConfirmed); the trigger of migration 0003 sends
``NOTIFY assistance_contracts`` with the holder's id in its transaction, and the shared
``NotifiedCache`` drops that holder's copy at commit in every API process. "In force" is not
cached: it is computed from the dates on each request.
"""

from __future__ import annotations

import uuid
from typing import Any, Awaitable, Callable

from ms_platform.cache import NotifiedCache

CHANNEL = "assistance_contracts"
Rows = list[dict[str, Any]]
Loader = Callable[[list[uuid.UUID]], Awaitable[dict[uuid.UUID, Rows]]]


class ContractsCache(NotifiedCache[uuid.UUID, Rows]):
    def __init__(self, dsn: str | None, ttl_s: float = 30.0, max_entries: int = 50_000) -> None:
        super().__init__(dsn, CHANNEL, ttl_s, max_entries)
        # Bumped by every notification: rows loaded while one arrived may predate it, and are
        # then answered but not kept (a projection committed mid-load is seen on the next read).
        self._generation = 0

    def invalidate(self, tag: str) -> None:
        self._generation += 1
        super().invalidate(tag)

    def _listening_changed(self, up: bool) -> None:
        self._generation += 1
        super()._listening_changed(up)

    async def caught_up(self, timeout_s: float = 1.0) -> None:
        """Nothing an API request writes is cached here (the projection is the worker's alone),
        so a writing request has no change of its own to wait for before it answers."""
        return None

    async def get(self, holder_ids: list[uuid.UUID], load: Loader) -> dict[uuid.UUID, Rows]:
        """Each holder's rows, from memory when present, the others from ``load`` (one call)."""
        found: dict[uuid.UUID, Rows] = {}
        for holder in holder_ids:
            rows = self.lookup(holder)
            if rows is not None:
                found[holder] = rows
        missing = [h for h in holder_ids if h not in found]
        if missing:
            generation = self._generation
            loaded = await load(missing)
            for holder in missing:
                found[holder] = loaded.get(holder, [])
                if generation == self._generation:
                    self.store(holder, str(holder), found[holder])
        return found
