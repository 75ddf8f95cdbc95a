"""The broker's products (BR-1): offers by client type, a product's guarantees, its PDF documentation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from contracts.app import broker as app
from contracts.domain.pricing import ClientType
from contracts.entrypoints.broker_scope import BrokerDep
from contracts.entrypoints.deps import Today, Uow
from contracts.entrypoints.http.broker_schemas import OfferDetailOut, OfferOut

router = APIRouter(tags=["broker"])
ProductCode = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get("/v1/broker-products", response_model=list[OfferOut])
async def list_broker_products(uow: Uow, access: BrokerDep, request: Request,
                               client_type: Annotated[ClientType | None, Query()] = None) -> list[dict[str, Any]]:
    """The insurer's offers, for one client type if given; ``may_sell`` says which the caller may price."""
    return await app.list_offers(uow, request.app.state.offer_cache, access, client_type)


@router.get("/v1/broker-products/{product_code}", response_model=OfferDetailOut)
async def get_broker_product(uow: Uow, access: BrokerDep, product_code: ProductCode) -> dict[str, Any]:
    """One offer with its guarantees table and tariff rules."""
    return await app.offer_with_guarantees(uow, access, product_code)


@router.get("/v1/broker-products/{product_code}/document", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "The product's documentation"}})
async def get_broker_product_document(uow: Uow, access: BrokerDep, product_code: ProductCode, day: Today,
                                      request: Request) -> Response:
    """The product's documentation as a PDF, generated from its guarantees table."""
    pdf = await app.offer_document(uow, access, product_code, request.app.state.insurer.name, day)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{product_code}.pdf"'})
