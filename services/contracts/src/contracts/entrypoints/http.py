"""HTTP routes: member reads, operator imports, and the holder check identity calls."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from contracts.app import handlers
from contracts.domain.imports import ImportRules, ProductLine
from contracts.entrypoints.scope import ReaderScope, check_visible
from ms_platform.auth import Principal, Role, require_roles
from ms_platform.problems import NotFound, Problem

Category = Literal["sante", "prevoyance", "retraite"]


async def today(request: Request) -> date:
    return request.app.state.clock()


Today = Annotated[date, Depends(today)]


# --- schemas ---------------------------------------------------------------------------------

class ContractImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    products: list[ProductLine] = []
    # Member lines are validated one by one by the domain so one bad line does not refuse the rest.
    members: list[dict[str, Any]] = []
    # Contribution schedules keyed by contract number (CT-5), validated one by one too.
    schedules: list[dict[str, Any]] = []


class RefusedError(BaseModel):
    field: str
    message: str


class RefusedLineOut(BaseModel):
    line: int
    contract_number: str | None
    errors: list[RefusedError]


class LineCountsOut(BaseModel):
    accepted: int
    unchanged: int
    refused: list[RefusedLineOut]


class ImportReportOut(LineCountsOut):
    schedules: LineCountsOut


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


class ProductOut(BaseModel):
    code: str
    name: str


class BeneficiaryOut(BaseModel):
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


class HolderNotVerified(Problem):
    """One answer whatever failed, so the check cannot be used to probe the registry."""

    def __init__(self) -> None:
        super().__init__(
            404,
            "holder-not-verified",
            "Holder not verified",
            "Nous ne retrouvons pas de contrat en cours de validité correspondant à ces informations.",
        )


# --- routes ----------------------------------------------------------------------------------

router = APIRouter(tags=["contracts"])
internal = APIRouter(prefix="/internal/v1", tags=["internal"])

Operator = Annotated[Principal, require_roles(Role.OPERATOR)]
Service = Annotated[Principal, require_roles(Role.SERVICE)]


@router.post("/v1/contract-imports", response_model=ImportReportOut)
async def import_contracts(body: ContractImportIn, request: Request, _: Operator, day: Today) -> dict[str, Any]:
    """Load the insurer's products and contract lines (idempotent); report every refused line."""
    rules: ImportRules = request.app.state.import_rules
    for name in ("members", "schedules"):
        if len(getattr(body, name)) > rules.max_lines:
            raise Problem(
                422,
                "import-too-large",
                "Too many lines",
                f"Un import accepte au plus {rules.max_lines} lignes ; découpez le fichier.",
                field=name,
            )
    report = await handlers.import_reference_data(
        request.app.state.pool, body.products, body.members, rules, day, body.schedules
    )
    return report.as_dict()


@internal.post("/holder-verifications", response_model=HolderVerifiedOut)
async def verify_holder(body: HolderVerificationIn, request: Request, _: Service, day: Today) -> dict[str, Any]:
    """Identity's sign-up check (ID-1): the holder of an in-force contract, by name and birth date."""
    query = handlers.HolderQuery(body.contract_number.strip(), body.last_name, body.first_name, body.birth_date)
    result = await handlers.verify_holder(request.app.state.pool, query, day)
    if result is None:
        raise HolderNotVerified()
    return result


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
async def list_contracts(request: Request, scope: ReaderScope) -> list[dict[str, Any]]:
    """The caller's contracts (their own and linked accounts'), by category, with beneficiaries (CT-1, CT-2)."""
    if scope.company_siren is not None:
        return await handlers.list_company_contracts(request.app.state.pool, scope.company_siren,
                                                     request.app.state.clock())
    if scope.operator:
        holder_id = _operator_holder(request)
        holders = [] if holder_id is None else [holder_id]
    else:
        holders = sorted(scope.holder_ids)
    if not holders:
        return []
    contracts = await handlers.list_holder_contracts(request.app.state.pool, request.app.state.listing_cache,
                                                     holders, request.app.state.clock())
    return [c for c in contracts if scope.sees(c)]


@router.get("/v1/contracts/{contract_id}", response_model=ContractDetailOut)
async def get_contract(contract_id: uuid.UUID, request: Request, scope: ReaderScope, day: Today) -> dict[str, Any]:
    """One of the caller's contracts with its guarantees; 404 for anyone else's."""
    if scope.company_siren is not None:
        result = await handlers.get_contract(request.app.state.pool, contract_id, day)
        if result is None or not scope.sees_as_employer(result):
            raise NotFound("contrat")
        return {**result, "beneficiaries": []}
    if scope.sees_nothing:
        raise NotFound("contrat")
    result = await handlers.get_contract(request.app.state.pool, contract_id, day)
    return dict(check_visible(result, scope))
