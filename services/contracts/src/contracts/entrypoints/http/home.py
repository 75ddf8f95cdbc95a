"""The member's home page (CT-1, CT-5): summary and contribution schedules."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from contracts.app import home, schedules
from contracts.entrypoints.deps import Today, Uow
from contracts.entrypoints.http.contracts import Category, ProductOut
from contracts.entrypoints.scope import MemberScope, ReaderScope

router = APIRouter(tags=["home"])

LATEST_ITEMS = 5


class DebitOut(BaseModel):
    due_date: date
    debit_date: date
    amount_eur: Decimal


class ScheduleOut(BaseModel):
    contract_id: uuid.UUID
    contract_number: str
    year: int
    total_eur: Decimal
    debits: list[DebitOut]


class SummaryContractOut(BaseModel):
    id: uuid.UUID
    contract_number: str
    product: ProductOut
    in_force: bool
    next_debit: DebitOut | None


class SummaryCategoryOut(BaseModel):
    category: Category
    contracts: list[SummaryContractOut]


class LatestRequestOut(BaseModel):
    id: uuid.UUID
    kind: Literal["guarantee_change", "quote", "termination"]
    status: str
    contract_id: uuid.UUID | None
    created_at: datetime
    due_at: datetime | None
    effective_date: date | None


class StatementBeneficiaryOut(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str


class LatestStatementOut(BaseModel):
    """A statement line (décompte) as claims gives it (CL-1): what was paid, by whom."""

    id: uuid.UUID
    contract_number: str
    care_date: date
    care_type: str
    care_label: str
    beneficiary: StatementBeneficiaryOut
    billed: Decimal
    amo: Decimal
    amc: Decimal
    out_of_pocket: Decimal
    payment_date: date | None


class SummaryOut(BaseModel):
    categories: list[SummaryCategoryOut]
    latest_requests: list[LatestRequestOut]
    latest_statements: list[LatestStatementOut] | None = Field(
        description="The latest statement lines, newest care first (CL-1); null when claims is not answering")


# Declared before /v1/contracts/{contract_id} (see bootstrap) so "summary" is not taken for an id.
@router.get("/v1/contracts/summary", response_model=SummaryOut)
async def contracts_summary(uow: Uow, request: Request, scope: MemberScope, day: Today) -> dict[str, Any]:
    """Home page: contracts by category (in force, next debit), the latest requests and the latest
    statement lines (from claims), newest first."""
    return await home.summary(uow, scope, day, LATEST_ITEMS, getattr(request.app.state, "claims", None))


@router.get("/v1/contracts/{contract_id}/schedule", response_model=ScheduleOut)
async def contract_schedule(
    uow: Uow,
    contract_id: uuid.UUID,
    request: Request,
    scope: ReaderScope,
    day: Today,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Calendar year; default: this year")] = None,
) -> dict[str, Any]:
    """The échéancier: each planned debit, the business day it is taken on, and the amount (CT-5)."""
    return await schedules.contract_schedule(uow, contract_id, year or day.year, scope)
