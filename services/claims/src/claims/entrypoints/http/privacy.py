"""GET /internal/v1/personal-data: this context's part of the personal-data export (ID-11)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from claims.app.statements import personal_data
from claims.entrypoints.deps import Service, Uow

router = APIRouter(prefix="/internal/v1", tags=["internal"])


@router.get("/personal-data", operation_id="claims_personal_data")
async def get_personal_data(account_id: uuid.UUID, _: Service, uow: Uow,
                            person_id: uuid.UUID | None = None) -> dict[str, Any]:
    """The statement lines of the contracts the person holds and the account's claims (identity assembles the member's export)."""
    return {"context": "claims", "data": await personal_data(uow, account_id, person_id)}
