"""The holder check identity calls at sign-up (internal, service tokens only)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from contracts.app import handlers
from contracts.entrypoints.deps import Today, Uow
from contracts.entrypoints.http.contracts import Category
from ms_platform.auth import Principal, Role, require_roles
from ms_platform.problems import Problem

Service = Annotated[Principal, require_roles(Role.SERVICE)]


class HolderVerificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contract_number: str = Field(min_length=1, max_length=40)
    last_name: str = Field(min_length=1, max_length=200)
    first_name: str = Field(min_length=1, max_length=200)
    birth_date: date


class HolderVerifiedOut(BaseModel):
    contract_id: uuid.UUID
    contract_number: str
    category: Category
    member_number: str
    holder_id: uuid.UUID
    product_code: str
    contracts_in_category: list[str]


class HolderNotVerified(Problem):
    """One answer whatever failed, so the check cannot be used to probe the registry."""

    def __init__(self) -> None:
        super().__init__(
            404,
            "holder-not-verified",
            "Holder not verified",
            "Nous ne retrouvons pas de contrat en cours de validité correspondant à ces informations.",
        )


router = APIRouter(prefix="/internal/v1", tags=["internal"])


@router.post("/holder-verifications", response_model=HolderVerifiedOut)
async def verify_holder(uow: Uow, body: HolderVerificationIn, request: Request, _: Service, day: Today) -> dict[str, Any]:
    """Identity's sign-up check (ID-1): the holder of an in-force contract, by name and birth date."""
    query = handlers.HolderQuery(body.contract_number.strip(), body.last_name, body.first_name, body.birth_date)
    result = await handlers.verify_holder(uow, query, day)
    if result is None:
        raise HolderNotVerified()
    return result
