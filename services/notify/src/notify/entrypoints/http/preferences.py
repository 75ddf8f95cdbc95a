"""A signed-in member's notification preferences: which optional copies they accept (NT-3)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from ms_platform.auth import Principal, Role, require_roles
from ms_platform.problems import Problem

from notify.entrypoints.deps import Uow
from notify.adapters.repository import DeliveryRepository
from notify.domain.model import Channel
from notify.domain.policy import TEMPLATES, Category, optional_choices

router = APIRouter(prefix="/v1", tags=["notification preferences"])

Member = Annotated[Principal, require_roles(Role.MEMBER)]


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category
    channel: Channel
    accepted: bool


class AlwaysSent(BaseModel):
    category: Category
    channel: Channel


class Preferences(BaseModel):
    items: list[Choice] = Field(description="Every optional (category, channel) and whether it is accepted")
    always_sent: list[AlwaysSent] = Field(
        description="Transactional messages (confirmations, security, case numbers, links): never switched off"
    )


class PreferencesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[Choice] = Field(min_length=1, max_length=50)


def _always_sent() -> list[AlwaysSent]:
    pairs = sorted({(spec.category, c) for spec in TEMPLATES.values() for c in spec.channels})
    return [AlwaysSent(category=cat, channel=ch) for cat, ch in pairs]


async def _read(conn, account_id: uuid.UUID) -> Preferences:
    saved = await DeliveryRepository(conn).preferences(account_id)
    items = [
        Choice(category=cat, channel=ch, accepted=saved.get((cat.value, ch.value), False))
        for cat, ch in optional_choices()
    ]
    return Preferences(items=items, always_sent=_always_sent())


def _account(principal: Principal) -> uuid.UUID:
    try:
        return uuid.UUID(principal.subject)
    except ValueError as exc:
        raise Problem(403, "forbidden", "Forbidden", "Jeton sans compte.") from exc


@router.get("/notification-preferences", response_model=Preferences, summary="My notification preferences")
async def get_preferences(uow: Uow, member: Member) -> Preferences:
    async with uow.connect() as conn:
        return await _read(conn, _account(member))


@router.put("/notification-preferences", response_model=Preferences, summary="Change my notification preferences")
async def put_preferences(uow: Uow, member: Member, body: PreferencesUpdate) -> Preferences:
    allowed = set(optional_choices())
    for i, choice in enumerate(body.items):
        if (choice.category, choice.channel) not in allowed:
            raise Problem(
                422, "validation-error", "Invalid request",
                f"items.{i} : les messages « {choice.category.value} » ne sont pas proposés par "
                f"« {choice.channel.value} », ou ne peuvent pas être désactivés.",
                field=f"items.{i}",
            )
    account_id = _account(member)
    async with uow.begin() as tx:
        await DeliveryRepository(tx.conn).set_preferences(
            account_id, [(c.category.value, c.channel.value, c.accepted) for c in body.items]
        )
        return await _read(tx.conn, account_id)
