"""GET /internal/v1/personal-data: this context's part of the personal-data export (ID-11)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder

from contracts.app.privacy import personal_data
from contracts.entrypoints.deps import Uow
from ms_platform.auth import Principal, Role, require_roles

router = APIRouter(prefix="/internal/v1", tags=["internal"])

Service = Annotated[Principal, require_roles(Role.SERVICE)]


@router.get("/personal-data")
async def get_personal_data(uow: Uow, account_id: uuid.UUID, request: Request, _: Service,
                            person_id: Annotated[uuid.UUID | None, Query()] = None) -> dict[str, Any]:
    """Everything contracts holds about the person (identity assembles the member's export)."""
    data = await personal_data(uow, account_id, person_id)
    return {"context": "contracts", "data": jsonable_encoder(data)}
