"""A product's assistance guarantees: which services for which life event, the quota per event and
the conditions (e.g. « hospitalisation de plus de 2 jours »). Never a price (AS-3)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from assistance.domain.catalogue import LIFE_EVENTS, SERVICES, LifeEvent

DEFAULT_FILE = Path(__file__).resolve().parents[1] / "data" / "assistance_guarantees.json"


@dataclass(frozen=True)
class Conditions:
    # The event lasts more than this many days (known from the declaration or the questionnaire).
    more_than_days: int | None = None
    # The service is used at the latest this many days after the event date.
    within_days: int | None = None

    def labels(self, event: LifeEvent) -> list[str]:
        out = []
        if self.more_than_days is not None:
            out.append(f"{LIFE_EVENTS[event].label} de plus de {self.more_than_days} jours")
        if self.within_days is not None:
            out.append(f"Prestation réalisée au plus tard {self.within_days} jours après la date de l'évènement")
        return out

    def last_day(self, event_date: date) -> date | None:
        return event_date + timedelta(days=self.within_days) if self.within_days is not None else None

    def duration_met(self, duration_days: int | None) -> bool | None:
        """True or False when the duration is known, None when it still has to be checked."""
        if self.more_than_days is None:
            return True
        if duration_days is None:
            return None
        return duration_days > self.more_than_days


@dataclass(frozen=True)
class Guarantee:
    service: str
    event: LifeEvent
    quota: int
    conditions: Conditions = field(default_factory=Conditions)


@dataclass(frozen=True)
class GuaranteeBook:
    """Every product's assistance guarantees, by product code."""

    by_product: dict[str, dict[tuple[LifeEvent, str], Guarantee]]

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> "GuaranteeBook":
        book: dict[str, dict[tuple[LifeEvent, str], Guarantee]] = {}
        for product, lines in raw.items():
            if product.startswith("_"):
                continue
            entries: dict[tuple[LifeEvent, str], Guarantee] = {}
            for line in lines:
                if line["service"] not in SERVICES:
                    raise ValueError(f"{product}: unknown service {line['service']}")
                if int(line["quota"]) < 1:
                    raise ValueError(f"{product}: quota of {line['service']} must be at least 1")
                conditions = Conditions(**line.get("conditions", {}))
                for ev in line["events"]:
                    key = (LifeEvent(ev), line["service"])
                    if key in entries:
                        raise ValueError(f"{product}: {ev}/{line['service']} declared twice")
                    entries[key] = Guarantee(line["service"], LifeEvent(ev), int(line["quota"]), conditions)
            book[product] = entries
        return cls(book)

    @classmethod
    def load(cls, path: Path | None = None) -> "GuaranteeBook":
        return cls.parse(json.loads((path or DEFAULT_FILE).read_text(encoding="utf-8")))

    def for_event(self, product_code: str, event: LifeEvent) -> list[Guarantee]:
        """The services a product provides for this event, in the catalogue's order."""
        entries = self.by_product.get(product_code, {})
        return [entries[(event, code)] for code in SERVICES if (event, code) in entries]

    def get(self, product_code: str, event: LifeEvent, service: str) -> Guarantee | None:
        return self.by_product.get(product_code, {}).get((event, service))

    def covers(self, product_code: str) -> bool:
        return bool(self.by_product.get(product_code))
