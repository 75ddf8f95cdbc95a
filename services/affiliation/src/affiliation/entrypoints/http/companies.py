"""/v1/companies: companies and their group contracts (operators register them; the company's
employer users and operators read them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from affiliation.app import companies as app
from affiliation.app.companies import NewGroupContract
from affiliation.domain.rules import checked_siren
from affiliation.entrypoints.deps import CompanyUser, Operator, Search, Siren, Uow, company_scope
from affiliation.entrypoints.http.schemas import CompanyIn, CompanyOut, GroupContractIn, GroupContractOut

router = APIRouter(tags=["companies"])
_IDS = {404: {"description": "No company of that SIREN that the caller may see"}}


@router.post("/v1/companies", status_code=201, operation_id="register_company")
async def register(body: CompanyIn, _operator: Operator, uow: Uow) -> CompanyOut:
    """Register a company (SIREN checked) for the employer space. Operators only."""
    return CompanyOut(**await app.register_company(uow, body.siren, body.name, str(body.notice_email)))


@router.get("/v1/companies", operation_id="list_companies")
async def list_companies(_operator: Operator, uow: Uow, q: Annotated[Search | None, Query(
        description="Part of the name or the SIREN")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[CompanyOut]:
    """The companies of the employer space, by name. Operators only."""
    return [CompanyOut(**c) for c in await app.list_companies(uow, q, limit)]


@router.get("/v1/companies/{siren}", operation_id="get_company", responses=_IDS)
async def get_company(siren: Siren, user: CompanyUser, uow: Uow) -> CompanyOut:
    """The company and its group contracts: an employer user sees their own company only."""
    return CompanyOut(**await app.company_view(uow, company_scope(user, siren)))


@router.post("/v1/group-contracts", status_code=201, operation_id="add_group_contract")
async def add_contract(body: GroupContractIn, _operator: Operator, uow: Uow) -> GroupContractOut:
    """Add a group contract (santé or prévoyance) with its contribution formula to the company the
    body names. Operators only."""
    new = NewGroupContract(body.contract_number, body.category.value, body.label, body.contribution_formula.value,
                           body.start_date, body.options, body.contracts_contract_id)
    return GroupContractOut(**await app.add_group_contract(uow, checked_siren(body.siren), new))


@router.get("/v1/companies/{siren}/group-contracts", operation_id="list_group_contracts", responses=_IDS)
async def list_contracts(siren: Siren, user: CompanyUser, uow: Uow) -> list[GroupContractOut]:
    return [GroupContractOut(**c) for c in await app.group_contracts(uow, company_scope(user, siren))]
