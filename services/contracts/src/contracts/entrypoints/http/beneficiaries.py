"""Beneficiaries of a contract (CT-2): list, add, remove."""

# No ``from __future__ import annotations``: BeneficiaryOut is pinned to another module (see it),
# so its annotations must be evaluated here, not looked up there.

import uuid
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from contracts.app import beneficiaries
from contracts.domain.beneficiaries import NewBeneficiary
from contracts.entrypoints.deps import Today, Uow
from contracts.entrypoints.http.fields import PersonName
from contracts.entrypoints.scope import ScopeDep

router = APIRouter(tags=["beneficiaries"])



class BeneficiaryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    last_name: PersonName
    first_name: PersonName
    birth_date: date
    relationship: Literal["spouse", "partner", "child"]
    nir: str = Field(min_length=13, max_length=21, description="Numéro de sécurité sociale (15 caractères)")


class BeneficiaryOut(BaseModel):
    # Named like contracts.BeneficiaryOut: pinned to its first module so the OpenAPI stays the same.
    __module__ = "contracts.entrypoints.http_beneficiaries"

    id: uuid.UUID
    last_name: str
    first_name: str
    birth_date: date
    relationship: str


PATH = "/v1/contracts/{contract_id}/beneficiaries"


@router.get(PATH, response_model=list[BeneficiaryOut])
async def list_beneficiaries(uow: Uow, contract_id: uuid.UUID, request: Request, scope: ScopeDep) -> list[dict[str, Any]]:
    """The people covered by the contract besides the holder."""
    return await beneficiaries.list_beneficiaries(uow, contract_id, scope)


@router.post(PATH, response_model=BeneficiaryOut, status_code=201)
async def add_beneficiary(uow: Uow, contract_id: uuid.UUID, body: BeneficiaryIn, request: Request, scope: ScopeDep,
                          day: Today) -> dict[str, Any]:
    """Add a spouse, partner or child (birth date and social security number checked)."""
    new = NewBeneficiary(body.last_name, body.first_name, body.birth_date, body.relationship, body.nir)
    limit = request.app.state.settings.max_beneficiaries_per_contract
    return await beneficiaries.add_beneficiary(uow, contract_id, new, scope, day, limit)


@router.delete(PATH + "/{person_id}", status_code=204, response_class=Response)
async def remove_beneficiary(uow: Uow, contract_id: uuid.UUID, person_id: uuid.UUID, request: Request, scope: ScopeDep,
                             day: Today) -> Response:
    """Remove a beneficiary from the contract."""
    await beneficiaries.remove_beneficiary(uow, contract_id, person_id, scope, day)
    return Response(status_code=204)
