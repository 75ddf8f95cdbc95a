"""/v1/claims-items: a member's items."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from claims.app import items as items_app
from claims.entrypoints.deps import Member, SettingsDep, Uow, account_id

router = APIRouter(prefix="/v1/claims-items", tags=["claims-items"])


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, examples=["Mon premier élément"])


class ItemOut(BaseModel):
    id: uuid.UUID
    title: str
    created_at: datetime


@router.post("", status_code=201, operation_id="create_claims_item")
async def create_item(body: ItemIn, member: Member, uow: Uow, settings: SettingsDep) -> ItemOut:
    """Record an item for the signed-in member."""
    item = await items_app.create_item(uow, account_id(member), body.title, settings.max_items_per_account)
    return ItemOut(id=item.id, title=item.title, created_at=item.created_at)


@router.get("", operation_id="list_claims_items")
async def list_items(member: Member, uow: Uow) -> list[ItemOut]:
    """The signed-in member's items, oldest first."""
    return [ItemOut(id=i.id, title=i.title, created_at=i.created_at)
            for i in await items_app.list_items(uow, account_id(member))]
