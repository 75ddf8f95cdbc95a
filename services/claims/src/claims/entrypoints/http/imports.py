"""/v1/statement-imports: operators load statement lines from the insurer's core system and the
social security feed (NOEMIE-like); idempotent; every refused line is reported."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from claims.app.statements import import_lines
from claims.entrypoints.deps import Operator, SettingsDep, Today, Uow
from ms_platform.problems import Problem

router = APIRouter(tags=["statement-imports"])


class StatementImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Validated one by one by the domain, so that one bad line does not refuse the rest.
    lines: list[dict[str, Any]]


class RefusedError(BaseModel):
    field: str
    message: str


class RefusedLineOut(BaseModel):
    line: int
    source_ref: str | None
    errors: list[RefusedError]


class ImportReportOut(BaseModel):
    accepted: int
    unchanged: int
    refused: list[RefusedLineOut]


@router.post("/v1/statement-imports", operation_id="import_statement_lines")
async def import_statement_lines(body: StatementImportIn, _: Operator, uow: Uow, settings: SettingsDep,
                                 day: Today) -> ImportReportOut:
    """Record each valid line (a line sent again unchanged is counted ``unchanged``; a corrected
    one replaces it); the report names every refused line and field."""
    if len(body.lines) > settings.max_import_lines:
        raise Problem(422, "import-too-large", "Too many lines",
                      f"Un import accepte au plus {settings.max_import_lines} lignes ; découpez le fichier.",
                      field="lines")
    return ImportReportOut.model_validate((await import_lines(uow, body.lines, day)).as_dict())
