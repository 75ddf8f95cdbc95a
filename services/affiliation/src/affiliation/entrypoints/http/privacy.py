"""GET /internal/v1/personal-data: this context's part of the personal-data export (ID-11)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from affiliation.app.privacy import personal_data
from affiliation.entrypoints.deps import Service, Uow

router = APIRouter(prefix="/internal/v1", tags=["internal"])


@router.get("/personal-data", operation_id="affiliation_personal_data")
async def get_personal_data(account_id: uuid.UUID, _: Service, uow: Uow) -> dict[str, Any]:
    """What an employer user did in the company space (identity assembles the export)."""
    return {"context": "affiliation", "data": await personal_data(uow, account_id)}
