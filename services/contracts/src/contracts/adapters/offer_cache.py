"""The broker offers, zones and parsed tariff rules, in memory, dropped the moment they change.

Every pricing request needs them and they change only when the insurer's data is loaded. They
are one more entry of the contract lists' cache (``ListingCache``, channel ``contracts_cache``):
statement triggers on offers, zones, products and guarantees (migrations 0009, 0010) send
``NOTIFY contracts_cache, 'broker-offers'`` in the writing transaction, and every API process
drops its copy at commit. One channel, so a write request waits for one catch-up, not two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from contracts.domain.pricing import Tariff, Zone
from ms_platform.cache import NotifiedCache

TAG = "broker-offers"
KEY = "broker-offers"  # never a holder id (those are UUIDs)


@dataclass(frozen=True)
class Catalogue:
    offers: dict[str, dict[str, Any]]  # by product code: adapters.broker.offer's rows
    tariffs: dict[str, Tariff]
    zones: list[Zone]


def catalogue_of(offers: list[dict[str, Any]], zones: list[dict[str, Any]]) -> Catalogue:
    return Catalogue({o["code"]: o for o in offers},
                     {o["code"]: Tariff.model_validate(o["tariff"]) for o in offers if o["tariff"] is not None},
                     [Zone.model_validate(z) for z in zones])


class OfferCache:
    def __init__(self, cache: NotifiedCache[Any, Any]) -> None:
        self._cache = cache

    async def get(self, load: Callable[[], Awaitable[Catalogue]]) -> Catalogue:
        catalogue = self._cache.lookup(KEY)
        if catalogue is None:
            catalogue = await load()
            self._cache.store(KEY, TAG, catalogue)
        return catalogue
