"""Personal-data export (ID-11): what notify holds about a person, for identity's export."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from ms_platform.auth import Principal, Role, require_roles

from notify.entrypoints.deps import Uow
from notify.adapters.repository import DeliveryRepository

router = APIRouter(prefix="/internal/v1", tags=["internal"])

Service = Annotated[Principal, require_roles(Role.SERVICE)]


class PersonalData(BaseModel):
    context: str
    data: dict[str, Any]


@router.get("/personal-data", response_model=PersonalData, summary="Everything notify holds about a person")
async def personal_data(
    uow: Uow,
    _service: Service,
    account_id: Annotated[uuid.UUID, Query()],
    person_id: Annotated[uuid.UUID | None, Query()] = None,
) -> PersonalData:
    async with uow.connect() as conn:
        repo = DeliveryRepository(conn)
        data = await repo.personal_data(account_id)
        data["deliveries"] = [
            {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in vars(s).items()}
            for s in await repo.list_for_account(account_id, 200)
        ]
    return PersonalData(context="notify", data=data)
