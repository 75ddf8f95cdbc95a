"""Broker offers (BR-1, BR-2): each product's client types, tariff and quote validity, as data.

The shape of ``broker_offers.json`` (loaded with the demo products by ``python -m contracts seed``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.domain.pricing import ClientType, Tariff, Zone


class OfferLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    product_code: str = Field(min_length=1, max_length=60)
    client_types: list[ClientType] = Field(min_length=1)
    featured: bool = Field(False, description="A product of the moment (dashboard)")
    summary: str = Field("", max_length=500)
    quote_validity_days: int = Field(30, ge=1, le=365)
    tariff: Tariff | None = Field(None, description="None: documentation only, no pricing tool")


class OffersFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    zones: list[Zone] = Field(min_length=1)
    offers: list[OfferLine]

    @model_validator(mode="after")
    def _consistent(self) -> "OffersFile":
        codes = {z.code for z in self.zones}
        if sum("*" in z.departments for z in self.zones) != 1:
            raise ValueError("exactly one zone must be the default (departments ['*'])")
        seen_departments: set[str] = set()
        for zone in self.zones:
            if seen_departments & set(zone.departments) - {"*"}:
                raise ValueError(f"zone {zone.code}: a department is in two zones")
            seen_departments |= set(zone.departments)
        for offer in self.offers:
            if offer.tariff is not None and not codes <= set(offer.tariff.zone_factors):
                raise ValueError(f"{offer.product_code}: zone_factors must name every zone ({sorted(codes)})")
        if len({o.product_code for o in self.offers}) != len(self.offers):
            raise ValueError("a product has two offers")
        return self
