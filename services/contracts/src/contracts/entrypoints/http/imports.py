"""The insurer's reference data loaded by operators: products, contract lines, schedules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from contracts.app import handlers
from contracts.domain.imports import ImportRules, ProductLine
from contracts.entrypoints.deps import Today, Uow
from ms_platform.auth import Principal, Role, require_roles
from ms_platform.problems import Problem

Operator = Annotated[Principal, require_roles(Role.OPERATOR)]


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


router = APIRouter(tags=["contracts"])


@router.post("/v1/contract-imports", response_model=ImportReportOut)
async def import_contracts(uow: Uow, body: ContractImportIn, request: Request, _: Operator, day: Today) -> dict[str, Any]:
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
        uow, body.products, body.members, rules, day, body.schedules
    )
    return report.as_dict()
