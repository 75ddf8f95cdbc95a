"""GET /internal/v1/claim-terms: the guarantee claims computes a processed claim's amounts with
(issue 14: one copy of the coverage rules, ADR 0012). Claims' service token only."""

from __future__ import annotations

from decimal import Decimal
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from contracts.app.claim_terms import claim_terms
from contracts.domain.errors import ContractNotFound
from contracts.entrypoints.deps import Uow
from coverage_rules import CARE_TYPES
from ms_platform.auth import Principal, require_service

router = APIRouter(prefix="/internal/v1", tags=["internal"])

Claims = Annotated[Principal, require_service("claims")]


class GuaranteeOut(BaseModel):
    code: str
    label: str
    care_type: str
    rule_type: str
    rate_pct: int | None
    amount_eur: Decimal | None
    period: str


class HolderOut(BaseModel):
    last_name: str
    first_name: str
    birth_date: date


class ClaimTermsOut(BaseModel):
    contract_number: str
    product_code: str
    holder: HolderOut
    guarantee: GuaranteeOut | None


@router.get("/claim-terms", response_model=ClaimTermsOut, responses={404: {"description": "No such contract"}})
async def get_claim_terms(uow: Uow, _: Claims,
                          contract_number: Annotated[str, Query(min_length=1, max_length=40)],
                          care_type: Annotated[Literal[CARE_TYPES], Query()]) -> dict[str, Any]:  # type: ignore[valid-type]
    """The contract's guarantee for this care (null when the product has none) and its holder."""
    terms = await claim_terms(uow, contract_number, care_type)
    if terms is None:
        raise ContractNotFound()
    return terms
