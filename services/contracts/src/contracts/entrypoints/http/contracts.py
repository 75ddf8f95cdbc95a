"""Members' contracts: the list every screen shows and one contract's page (CT-1, CT-2)."""

# No ``from __future__ import annotations``: BeneficiaryOut is pinned to another module (see it),
# so its annotations must be evaluated here, not looked up there.

import uuid
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from contracts.app import handlers
from contracts.entrypoints.deps import Today, Uow
from contracts.app.scope import check_visible
from contracts.entrypoints.scope import ReaderScope
from ms_platform.problems import NotFound, Problem

Category = Literal["sante", "prevoyance", "retraite"]


class ProductOut(BaseModel):
    code: str
    name: str


class BeneficiaryOut(BaseModel):
    # Two schemas are named BeneficiaryOut; OpenAPI tells them apart by module. Pinned to the module
    # they were first published from, so the document (and clients generated from it) stays the same.
    __module__ = "contracts.entrypoints.http"

    first_name: str
    last_name: str
    birth_date: date
    relationship: Literal["spouse", "partner", "child"]


class ContractOut(BaseModel):
    id: uuid.UUID
    contract_number: str
    category: Category
    product: ProductOut
    member_number: str
    start_date: date
    end_date: date | None
    in_force: bool
    beneficiaries: list[BeneficiaryOut]


class GuaranteeOut(BaseModel):
    code: str
    label: str
    care_type: str
    rule_type: str
    rate_pct: int | None
    amount_eur: Decimal | None
    period: str


class ContractDetailOut(ContractOut):
    guarantees: list[GuaranteeOut]


router = APIRouter(tags=["contracts"])


# holder_id is read by hand (operators only): FastAPI's query parameter solving costs ~8 % of this
# route, the one every screen of the member space calls. Documented here for the OpenAPI.
_HOLDER_ID = {"parameters": [{"name": "holder_id", "in": "query", "required": False,
                              "schema": {"type": "string", "format": "uuid"},
                              "description": "Operators only; members always get their own."}]}


def _operator_holder(request: Request) -> uuid.UUID | None:
    raw = request.query_params.get("holder_id")
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Problem(422, "validation-error", "Invalid request", "holder_id : Identifiant invalide.",
                      field="holder_id") from None


@router.get("/v1/contracts", response_model=list[ContractOut], openapi_extra=_HOLDER_ID)
async def list_contracts(uow: Uow, request: Request, scope: ReaderScope) -> list[dict[str, Any]]:
    """The caller's contracts (their own and linked accounts'), by category, with beneficiaries (CT-1, CT-2)."""
    if scope.company_siren is not None:
        return await handlers.list_company_contracts(uow, scope.company_siren,
                                                     request.app.state.clock())
    if scope.operator:
        holder_id = _operator_holder(request)
        holders = [] if holder_id is None else [holder_id]
    else:
        holders = sorted(scope.holder_ids)
    if not holders:
        return []
    contracts = await handlers.list_holder_contracts(uow, request.app.state.listing_cache,
                                                     holders, request.app.state.clock())
    return [c for c in contracts if scope.sees(c)]


@router.get("/v1/contracts/{contract_id}", response_model=ContractDetailOut)
async def get_contract(uow: Uow, contract_id: uuid.UUID, request: Request, scope: ReaderScope, day: Today) -> dict[str, Any]:
    """One of the caller's contracts with its guarantees; 404 for anyone else's."""
    if scope.company_siren is not None:
        result = await handlers.get_contract(uow, contract_id, day)
        if result is None or not scope.sees_as_employer(result):
            raise NotFound("contrat")
        return {**result, "beneficiaries": []}
    if scope.sees_nothing:
        raise NotFound("contrat")
    result = await handlers.get_contract(uow, contract_id, day)
    return dict(check_visible(result, scope))
