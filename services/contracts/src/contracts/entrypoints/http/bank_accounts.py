"""Bank accounts for reimbursements (CT-6): list masked, set per person."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, StringConstraints

from contracts.app import bank_accounts
from contracts.entrypoints.deps import Uow
from contracts.entrypoints.http.fields import AccountHolder
from contracts.entrypoints.scope import ScopeDep

router = APIRouter(tags=["bank-accounts"])


class BankAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    iban: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    account_holder: AccountHolder


class BankAccountOut(BaseModel):
    person_id: uuid.UUID
    iban_masked: str | None
    bic: str | None
    account_holder: str | None
    updated_at: datetime | None


class PersonAccountOut(BankAccountOut):
    last_name: str
    first_name: str
    relationship: str


@router.get("/v1/bank-accounts", response_model=list[PersonAccountOut])
async def list_bank_accounts(uow: Uow, request: Request, scope: ScopeDep) -> list[dict[str, Any]]:
    """The holder and their beneficiaries, each with the account their reimbursements go to (masked)."""
    return await bank_accounts.list_bank_accounts(uow, scope)


@router.put("/v1/bank-accounts/{person_id}", response_model=BankAccountOut)
async def set_bank_account(uow: Uow, person_id: uuid.UUID, body: BankAccountIn, request: Request, scope: ScopeDep) -> dict[str, Any]:
    """Set the account for the holder or a beneficiary; the member is emailed about the change."""
    return await bank_accounts.set_bank_account(uow, person_id, body.iban, body.account_holder, scope)
