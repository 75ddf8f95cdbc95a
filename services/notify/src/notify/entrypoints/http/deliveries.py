"""Back-office routes: what was sent to an account (never the message bodies)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from ms_platform.auth import Principal, Role, require_roles

from notify.entrypoints.deps import Uow
from notify.adapters.repository import DeliveryRepository, DeliverySummary

router = APIRouter(prefix="/v1", tags=["deliveries"])

Operator = Annotated[Principal, require_roles(Role.OPERATOR)]


class DeliveryList(BaseModel):
    items: list[DeliverySummary]  # the repository's summary: never a body or a recipient


@router.get("/deliveries", response_model=DeliveryList, summary="Messages sent to an account")
async def list_deliveries(
    uow: Uow,
    _operator: Operator,
    account_id: Annotated[uuid.UUID, Query(description="The account whose messages to list")],
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> DeliveryList:
    async with uow.connect() as conn:
        summaries = await DeliveryRepository(conn).list_for_account(account_id, limit)
    return DeliveryList(items=summaries)
