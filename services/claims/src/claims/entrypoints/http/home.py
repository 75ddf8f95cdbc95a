"""GET /internal/v1/latest-statements: the latest statement lines of some holders, for the member's
home summary that contracts builds (CL-1: « the latest ones on the dashboard », ADR 0007).
Contracts' service token only: it passes the holders its own scope of the member allows."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from claims.app.statements import Filters, page
from claims.entrypoints.deps import Uow
from claims.entrypoints.http.statements import StatementLineOut
from ms_platform.auth import Principal, require_service

router = APIRouter(prefix="/internal/v1", tags=["internal"])

Contracts = Annotated[Principal, require_service("contracts")]


class LatestStatementsOut(BaseModel):
    items: list[StatementLineOut]


@router.get("/latest-statements", operation_id="latest_statement_lines")
async def latest_statements(_: Contracts, uow: Uow,
                            holder_id: Annotated[list[uuid.UUID], Query(min_length=1, max_length=50)],
                            limit: Annotated[int, Query(ge=1, le=20)] = 5) -> LatestStatementsOut:
    """The holders' latest lines, newest care first (one index range per holder)."""
    found: dict[str, Any] = await page(uow, sorted(set(holder_id)), Filters(), None, limit)
    return LatestStatementsOut.model_validate({"items": found["items"]})
