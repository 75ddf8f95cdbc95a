"""Documents: attestation de droits (CT-3) and tiers payant card (CT-4)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from contracts.app import documents
from contracts.entrypoints.deps import Today, Uow
from contracts.entrypoints.scope import Scope, ScopeDep
from ms_platform.problems import Problem

router = APIRouter(tags=["documents"])


class CardPersonOut(BaseModel):
    id: uuid.UUID
    last_name: str
    first_name: str
    birth_date: date
    relationship: str


class CardLevelOut(BaseModel):
    code: str
    care_type: str
    level: str


class TiersPayantCardOut(BaseModel):
    contract_id: uuid.UUID
    contract_number: str
    member_number: str
    insurer: str
    amc_number: str
    convention_type: str
    routing_criterion: str
    valid_from: date
    valid_to: date
    people: list[CardPersonOut]
    levels: list[CardLevelOut]
    datamatrix: str


class NoRightsToday(Problem):
    def __init__(self) -> None:
        super().__init__(409, "no-tiers-payant-rights", "No tiers payant rights",
                         "Ce contrat n'ouvre pas de droits au tiers payant aujourd'hui.")


@router.get("/v1/contracts/{contract_id}/attestation", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
async def get_attestation(uow: Uow, contract_id: uuid.UUID, request: Request, scope: ScopeDep, day: Today) -> Response:
    """The attestation de droits, generated now from current data (PDF)."""
    content = await documents.attestation(uow, contract_id, scope, request.app.state.insurer, day)
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": 'inline; filename="attestation-de-droits.pdf"', "Cache-Control": "no-store"})


async def _card(uow: Uow, request: Request, contract_id: uuid.UUID, scope: Scope, day: date) -> dict[str, Any]:
    card = await documents.tiers_payant_card(uow, contract_id, scope, request.app.state.insurer, day)
    if card is None:
        raise NoRightsToday()
    return card


@router.get("/v1/tiers-payant-cards/{contract_id}", response_model=TiersPayantCardOut)
async def get_card(uow: Uow, contract_id: uuid.UUID, request: Request, scope: ScopeDep, day: Today) -> dict[str, Any]:
    """The tiers payant card's fields and the content of its Data Matrix."""
    return await _card(uow, request, contract_id, scope, day)


@router.get("/v1/tiers-payant-cards/{contract_id}/image", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
async def get_card_image(uow: Uow, contract_id: uuid.UUID, request: Request, scope: ScopeDep, day: Today) -> Response:
    """The printable card (PNG) with its Data Matrix."""
    card = await _card(uow, request, contract_id, scope, day)
    return Response(documents.card_png(card), media_type="image/png", headers={"Cache-Control": "no-store"})
