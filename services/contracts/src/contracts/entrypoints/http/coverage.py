"""POST /v1/coverage-simulations: the coverage simulator (CT-8)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from contracts.app.coverage import SimulationRequest, simulate_coverage
from coverage_rules import CARE_TYPES, Scenario
from contracts.entrypoints.deps import Today, Uow
from contracts.entrypoints.scope import ScopeDep

router = APIRouter(tags=["coverage"])

CareType = Literal[CARE_TYPES]  # type: ignore[valid-type]
Money = Annotated[Decimal, Field(ge=0, le=1_000_000, max_digits=9, decimal_places=2)]


class SimulationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contract_id: uuid.UUID | None = Field(None, description="Default: the member's in-force santé contract")
    care_type: CareType
    billed_eur: Money
    br_eur: Money = Field(description="Base de remboursement (tarif de convention)")
    in_care_path: bool = True
    patient_id: uuid.UUID | None = Field(None, description="The holder (default) or a beneficiary of the contract")
    css: bool = Field(False, description="The patient has the complémentaire santé solidaire")
    ald: bool = Field(False, description="The act is for a long-term illness (ALD)")
    participation_paid_this_year_eur: Money = Decimal("0")
    forfait_used_in_period_eur: Money = Decimal("0")
    compare_product_codes: list[Annotated[str, Field(min_length=1, max_length=60)]] | None = Field(
        None, max_length=10, description="Default: every other santé product")


class RuleOut(BaseModel):
    code: str
    label: str


class GuaranteeUsedOut(BaseModel):
    code: str
    rule_type: str
    rate_pct: int | None
    amount_eur: Decimal | None
    period: str


class ProductRef(BaseModel):
    code: str
    name: str


class SimulationResultOut(BaseModel):
    product: ProductRef
    current: bool
    guarantee: GuaranteeUsedOut | None
    amo_eur: Decimal
    amc_eur: Decimal
    out_of_pocket_eur: Decimal
    participation_forfaitaire_eur: Decimal
    rules: list[RuleOut]


class SimulationOut(BaseModel):
    contract_id: uuid.UUID
    contract_number: str
    care_type: str
    billed_eur: Decimal
    br_eur: Decimal
    results: list[SimulationResultOut]


@router.post("/v1/coverage-simulations", response_model=SimulationOut)
async def create_simulation(uow: Uow, body: SimulationIn, request: Request, scope: ScopeDep, day: Today) -> dict[str, Any]:
    """AMO share, insurer share and remainder for one act, under the member's and other guarantees."""
    scenario = Scenario(
        care_type=body.care_type, billed=body.billed_eur, br=body.br_eur, in_care_path=body.in_care_path,
        css=body.css, ald=body.ald, participation_paid_this_year=body.participation_paid_this_year_eur,
        forfait_used_in_period=body.forfait_used_in_period_eur,
    )
    command = SimulationRequest(body.contract_id, body.patient_id, body.compare_product_codes, scenario)
    return await simulate_coverage(uow, command, scope, day)
