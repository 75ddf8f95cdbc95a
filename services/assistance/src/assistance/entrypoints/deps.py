"""FastAPI dependency aliases shared by assistance's routers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from assistance.adapters.contracts import ContractsClient
from assistance.app.context import Assistance
from assistance.settings import AssistanceSettings
from ms_platform.auth import Principal, Role, require_roles
from ms_platform.deps import Uow, app_settings

__all__ = ["Agent", "Ctx", "Contracts", "Member", "Now", "Service", "SettingsDep", "Uow", "account_id", "bearer",
           "holder_ids", "person_id"]

SettingsDep = Annotated[AssistanceSettings, Depends(app_settings)]
Member = Annotated[Principal, require_roles(Role.MEMBER)]
# The queue, cases and their health data: agents (chargés d'assistance) only; members never.
Agent = Annotated[Principal, require_roles(Role.AGENT)]
Service = Annotated[Principal, require_roles(Role.SERVICE)]


async def _ctx(request: Request) -> Assistance:
    return request.app.state.assistance


async def _now(request: Request) -> datetime:
    return request.app.state.clock()


async def _contracts(request: Request) -> ContractsClient:
    return request.app.state.contracts


Ctx = Annotated[Assistance, Depends(_ctx)]
Now = Annotated[datetime, Depends(_now)]
Contracts = Annotated[ContractsClient, Depends(_contracts)]


def account_id(principal: Principal) -> uuid.UUID:
    """A member's token names their account: what they may see is what it owns."""
    return uuid.UUID(principal.subject)


def person_id(principal: Principal) -> uuid.UUID | None:
    """The person the member is in contracts' registry (holder of their contracts)."""
    return principal.person_id


def bearer(request: Request) -> str:
    return request.headers.get("authorization", "").partition(" ")[2]


def holder_ids(principal: Principal) -> list[uuid.UUID]:
    """The persons whose contracts are the member's own: their ``person_id`` and the accounts
    they linked (``linked_person_ids``, « Réunir vos comptes », ID-12), as contracts' scope reads
    them. Never a contract where they are only a beneficiary."""
    return principal.holder_ids
