"""The broker's pricing tool and quotes (BR-2)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response

from contracts.app import broker as app
from contracts.domain.pricing import PersonCovered
from contracts.entrypoints.broker_scope import BrokerDep
from contracts.entrypoints.deps import Today, Uow
from contracts.entrypoints.http.broker_schemas import PricingIn, PricingOut, QuoteIn, QuoteOut
from ms_platform.app import READS_ONLY

router = APIRouter(tags=["broker"])


def _request(body: PricingIn) -> app.PricingRequest:
    return app.PricingRequest(body.product_code, body.postcode, body.option_level, body.effective_date,
                              [PersonCovered(p.relationship, p.birth_date) for p in body.people])


@router.post("/v1/broker-pricings", response_model=PricingOut, openapi_extra={READS_ONLY: True})
async def create_broker_pricing(uow: Uow, access: BrokerDep, body: PricingIn, day: Today, request: Request) -> dict[str, Any]:
    """The monthly contribution of an offer for the people covered, their postcode and an option level; stores nothing."""
    return await app.price_offer(uow, request.app.state.offer_cache, access, _request(body), day)


@router.post("/v1/broker-quotes", response_model=QuoteOut, status_code=201,
             responses={200: {"model": QuoteOut, "description": "A retry with the same Idempotency-Key: the first"}})
async def create_broker_quote(uow: Uow, access: BrokerDep, body: QuoteIn, day: Today, request: Request,
                              response: Response,
                              idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
                              ) -> dict[str, Any]:
    """Price and keep a quote (devis): its inputs, result and PDF, valid for the offer's days. A retry with the
    same Idempotency-Key returns the first (200)."""
    quote, created = await app.create_quote(uow, request.app.state.offer_cache, access, _request(body), body.project_id,
                                            day, request.app.state.insurer.name, idempotency_key)
    if not created:
        response.status_code = 200
    return quote


@router.get("/v1/broker-quotes", response_model=list[QuoteOut])
async def list_broker_quotes(uow: Uow, access: BrokerDep, day: Today,
                             limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[dict[str, Any]]:
    """The quotes the caller sees (a collaborator's own; the firm's for an admin), newest first."""
    return await app.list_quotes(uow, access, day, limit)


@router.get("/v1/broker-quotes/{broker_quote_id}", response_model=QuoteOut)
async def get_broker_quote(uow: Uow, access: BrokerDep, broker_quote_id: uuid.UUID, day: Today) -> dict[str, Any]:
    """One quote with its inputs and result."""
    return await app.get_quote(uow, access, broker_quote_id, day)


@router.get("/v1/broker-quotes/{broker_quote_id}/document", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "The quote as issued"}})
async def get_broker_quote_document(uow: Uow, access: BrokerDep, broker_quote_id: uuid.UUID) -> Response:
    """The quote's PDF, as it was issued."""
    number, pdf = await app.get_quote_pdf(uow, access, broker_quote_id)
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{number}.pdf"'})
