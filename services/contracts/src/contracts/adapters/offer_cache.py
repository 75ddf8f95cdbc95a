"""The broker offers, zones and parsed tariff rules, in memory, dropped the moment they change.

Every pricing request needs them and they change only when the insurer's data is loaded.
Statement triggers (migration 0009) send ``NOTIFY contracts_broker_offers '*'`` in the writing
transaction; the shared ``NotifiedCache`` drops the copy at commit in every API process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from contracts.domain.pricing import Tariff, Zone
from ms_platform.cache import NotifiedCache

CHANNEL = "contracts_broker_offers"


@dataclass(frozen=True)
class Catalogue:
    offers: dict[str, dict[str, Any]]  # by product code: adapters.broker.offer's rows
    tariffs: dict[str, Tariff]
    zones: list[Zone]


def catalogue_of(offers: list[dict[str, Any]], zones: list[dict[str, Any]]) -> Catalogue:
    return Catalogue({o["code"]: o for o in offers},
                     {o["code"]: Tariff.model_validate(o["tariff"]) for o in offers if o["tariff"] is not None},
                     [Zone.model_validate(z) for z in zones])


class OfferCache(NotifiedCache[str, Catalogue]):
    def __init__(self, dsn: str | None, ttl_s: float = 60.0) -> None:
        super().__init__(dsn, CHANNEL, ttl_s, max_entries=1)

    async def get(self, load: Callable[[], Awaitable[Catalogue]]) -> Catalogue:
        catalogue = self.lookup("catalogue")
        if catalogue is None:
            catalogue = await load()
            self.store("catalogue", "*", catalogue)
        return catalogue
