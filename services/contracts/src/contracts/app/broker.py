"""Use cases of the broker space in contracts (BR-1, BR-2): offers, pricing, quotes (projects: broker_projects).

The broker's access (firm, role, offers, autonomy) comes from their token (ADR 0013);
every read and write is filtered by it here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import asyncpg
import structlog

from contracts.adapters import broker as repo
from contracts.adapters import reads
from contracts.adapters.broker_pdf import product_pdf, quote_pdf
from contracts.domain.broker import (
    BrokerAccess, BrokerResourceNotFound, InvalidPricing, NoPricingTool, OfferNotAllowed, UnknownOffer,
)
from contracts.domain.imports import FieldError
from contracts.adapters.offer_cache import Catalogue, OfferCache, catalogue_of
from contracts.domain.pricing import PersonCovered, Pricing, price
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()
MAX_EFFECTIVE_DAYS = 365


@dataclass(frozen=True)
class PricingRequest:
    product_code: str
    postcode: str
    option_level: int
    effective_date: date | None
    people: list[PersonCovered]


def default_effective_date(today: date) -> date:
    """The first day of next month: when a contract signed today usually starts."""
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def own(access: BrokerAccess) -> uuid.UUID | None:
    """The owner filter: None for admins (the whole firm), the account for collaborators."""
    return None if access.admin else access.account_id


# ---- offers (BR-1) -------------------------------------------------------------------------

async def list_offers(uow: UnitOfWork, cache: OfferCache, access: BrokerAccess,
                      client_type: str | None) -> list[dict[str, Any]]:
    catalogue = await cache.get(lambda: load_catalogue(uow))
    return [{**_offer_view(o), "may_sell": access.may_sell(o["code"])} for o in catalogue.offers.values()
            if client_type is None or client_type in o["client_types"]]


def _offer_view(o: dict[str, Any]) -> dict[str, Any]:
    tariff = o["tariff"]
    return {"code": o["code"], "name": o["name"], "category": o["category"], "client_types": list(o["client_types"]),
            "featured": o["featured"], "summary": o["summary"], "quote_validity_days": o["quote_validity_days"],
            "pricing_tool": tariff is not None,
            "option_levels": [{"level": x["level"], "label": x["label"]} for x in tariff["options"]] if tariff else []}


async def offer_with_guarantees(uow: UnitOfWork, access: BrokerAccess, code: str) -> dict[str, Any]:
    async with uow.connect() as conn:
        offer = await repo.offer(conn, code)
        if offer is None:
            raise BrokerResourceNotFound("produit")
        product = (await reads.products_with_guarantees(conn, [code]))[code]
    guarantees = [{k: g[k] for k in ("code", "label", "care_type", "rule_type", "rate_pct", "amount_eur", "period")}
                  for g in product["guarantees"]]
    return {**_offer_view(offer), "may_sell": access.may_sell(code), "guarantees": guarantees,
            "tariff": offer["tariff"]}


async def offer_document(uow: UnitOfWork, access: BrokerAccess, code: str, insurer_name: str, today: date) -> bytes:
    """The product's documentation as a PDF, generated from its guarantees table."""
    product = await offer_with_guarantees(uow, access, code)
    return product_pdf(product, insurer_name, today)


# ---- pricing and quotes (BR-2) -------------------------------------------------------------

async def load_catalogue(uow: UnitOfWork) -> Catalogue:
    async with uow.connect() as conn:
        return catalogue_of(await repo.offers(conn, None), await repo.zones(conn))


def _priced(catalogue: Catalogue, access: BrokerAccess, request: PricingRequest,
            today: date) -> tuple[dict[str, Any], Pricing, date]:
    offer = catalogue.offers.get(request.product_code)
    if offer is None:
        raise UnknownOffer()
    tariff = catalogue.tariffs.get(request.product_code)
    if tariff is None:
        raise NoPricingTool()
    if not access.may_sell(request.product_code):
        raise OfferNotAllowed()
    effective = request.effective_date or default_effective_date(today)
    errors: list[FieldError] = []
    if not today <= effective <= today + timedelta(days=MAX_EFFECTIVE_DAYS):
        errors.append(FieldError("effective_date", "La date d'effet doit être comprise entre aujourd'hui et un an."))
    result = price(tariff, catalogue.zones, request.people, request.postcode, request.option_level, effective, today)
    if isinstance(result, list):
        errors += result
    if errors:
        raise InvalidPricing(errors)
    assert isinstance(result, Pricing)
    return offer, result, effective


def pricing_view(pricing: Pricing) -> dict[str, Any]:
    return {
        "zone": pricing.zone, "department": pricing.department, "option_level": pricing.option_level,
        "zone_factor": str(pricing.zone_factor), "option_factor": str(pricing.option_factor),
        "family_discount_pct": str(pricing.family_discount_pct),
        "people": [{"relationship": p.relationship, "age": p.age, "monthly_eur": str(p.monthly_eur), "charged": p.charged}
                   for p in pricing.people],
        "monthly_eur": str(pricing.monthly_eur), "yearly_eur": str(pricing.yearly_eur),
    }


async def price_offer(uow: UnitOfWork, cache: OfferCache, access: BrokerAccess, request: PricingRequest,
                      today: date) -> dict[str, Any]:
    """The monthly contribution, stored nowhere (the tarificateur's live answer)."""
    catalogue = await cache.get(lambda: load_catalogue(uow))
    offer, pricing, effective = _priced(catalogue, access, request, today)
    return {"product_code": offer["code"], "effective_date": effective, **pricing_view(pricing)}


async def create_quote(uow: UnitOfWork, cache: OfferCache, access: BrokerAccess, request: PricingRequest,
                       project_id: uuid.UUID | None, today: date, insurer_name: str,
                       idempotency_key: str | None = None) -> tuple[dict[str, Any], bool]:
    """Price, then keep the quote: its inputs, its result and its PDF, valid for the offer's days.

    Returns the quote and whether it was created now (False: a retry with the same Idempotency-Key)."""
    if idempotency_key is not None:
        async with uow.connect() as conn:
            existing = await repo.quote_by_key(conn, access.account_id, idempotency_key)
        if existing is not None:
            return quote_view(existing, today), False
    offer, pricing, effective = _priced(await cache.get(lambda: load_catalogue(uow)), access, request, today)
    try:
        async with uow.begin() as tx:
            quote = await _insert_quote(tx.conn, access, request, project_id, offer, pricing, effective, today,
                                        insurer_name, idempotency_key)
    except asyncpg.UniqueViolationError:
        # The same key sent twice at once: the other request created it.
        async with uow.connect() as conn:
            existing = await repo.quote_by_key(conn, access.account_id, idempotency_key or "")
        if existing is None:
            raise
        return quote_view(existing, today), False
    log.info("broker.quote_created", quote_id=str(quote["id"]), product_code=offer["code"], firm_id=str(access.firm_id))
    return quote_view(quote, today), True


async def _insert_quote(conn: Any, access: BrokerAccess, request: PricingRequest, project_id: uuid.UUID | None,
                        offer: dict[str, Any], pricing: Pricing, effective: date, today: date, insurer_name: str,
                        idempotency_key: str | None) -> dict[str, Any]:
    if project_id is not None:
        project = await repo.project(conn, project_id, lock=True)
        if project is None or not access.sees(project["firm_id"], project["owner_id"]):
            raise BrokerResourceNotFound("projet")
        await repo.touch_project(conn, project_id)
    quote = {
        "id": uuid.uuid4(), "number": await repo.next_quote_number(conn, today.year),
        "firm_id": access.firm_id, "created_by": access.account_id, "project_id": project_id,
        "product_code": offer["code"], "created_at": datetime.now(timezone.utc),
        "valid_until": today + timedelta(days=offer["quote_validity_days"]),
        "inputs": {"postcode": request.postcode, "option_level": request.option_level,
                   "effective_date": effective.isoformat(),
                   "people": [{"relationship": p.relationship, "birth_date": p.birth_date.isoformat()}
                              for p in request.people]},
        "result": pricing_view(pricing), "monthly_eur": pricing.monthly_eur,
    }
    await repo.insert_quote(conn, quote, quote_pdf(quote, offer["name"], insurer_name), idempotency_key)
    return quote


def quote_view(quote: dict[str, Any], today: date) -> dict[str, Any]:
    return {k: quote[k] for k in ("id", "number", "project_id", "product_code", "inputs", "result", "created_at",
                                  "valid_until")} | {"monthly_eur": str(quote["monthly_eur"]),
                                                     "valid": quote["valid_until"] >= today}


async def _visible_quote(conn: Any, access: BrokerAccess, quote_id: uuid.UUID) -> dict[str, Any]:
    quote = await repo.quote(conn, quote_id)
    if quote is None or not access.sees(quote["firm_id"], quote["created_by"]) and not (
            quote["project_id"] is not None and await _project_visible(conn, access, quote["project_id"])):
        raise BrokerResourceNotFound("devis")
    return quote


async def _project_visible(conn: Any, access: BrokerAccess, project_id: uuid.UUID) -> bool:
    project = await repo.project(conn, project_id)
    return project is not None and access.sees(project["firm_id"], project["owner_id"])


async def get_quote(uow: UnitOfWork, access: BrokerAccess, quote_id: uuid.UUID, today: date) -> dict[str, Any]:
    async with uow.connect() as conn:
        return quote_view(await _visible_quote(conn, access, quote_id), today)


async def get_quote_pdf(uow: UnitOfWork, access: BrokerAccess, quote_id: uuid.UUID) -> tuple[str, bytes]:
    async with uow.connect() as conn:
        quote = await _visible_quote(conn, access, quote_id)
        return quote["number"], await repo.quote_pdf(conn, quote_id) or b""


async def list_quotes(uow: UnitOfWork, access: BrokerAccess, today: date, limit: int) -> list[dict[str, Any]]:
    async with uow.connect() as conn:
        return [quote_view(q, today) for q in await repo.quotes(conn, access.firm_id, own(access), limit)]
