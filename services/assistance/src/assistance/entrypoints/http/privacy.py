"""GET /internal/v1/personal-data: this context's part of the personal-data export (ID-11)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from assistance.app.privacy import personal_data
from assistance.entrypoints.deps import Ctx, Service, Uow

router = APIRouter(prefix="/internal/v1", tags=["internal"])


@router.get("/personal-data", operation_id="assistance_personal_data")
async def get_personal_data(account_id: uuid.UUID, _: Service, uow: Uow, ctx: Ctx) -> dict[str, Any]:
    """Everything assistance holds about the account, health data opened for the member."""
    return {"context": "assistance", "data": await personal_data(uow, ctx, account_id)}
