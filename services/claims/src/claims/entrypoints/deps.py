"""FastAPI dependency aliases shared by claims's routers."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import Depends, Request

from claims.settings import ClaimsSettings
from ms_platform.auth import Principal, Role, require_roles
from ms_platform.deps import Uow, app_settings

__all__ = ["Member", "Operator", "Service", "SettingsDep", "Today", "Uow", "account_id", "holder_ids", "person_id"]

SettingsDep = Annotated[ClaimsSettings, Depends(app_settings)]
Member = Annotated[Principal, require_roles(Role.MEMBER)]
Operator = Annotated[Principal, require_roles(Role.OPERATOR)]
Service = Annotated[Principal, require_roles(Role.SERVICE)]


async def _today(request: Request) -> date:
    return request.app.state.clock()


Today = Annotated[date, Depends(_today)]


def account_id(principal: Principal) -> uuid.UUID:
    """A member's token names their account."""
    return uuid.UUID(principal.subject)


def person_id(principal: Principal) -> uuid.UUID | None:
    """The person the member is in contracts' registry (holder of their contracts)."""
    return principal.person_id


def holder_ids(principal: Principal) -> list[uuid.UUID]:
    """Whose statements the member sees: the contracts they hold (``person_id``) and those of the
    accounts they linked (``linked_person_ids``, ID-12), as contracts' scope reads them."""
    return principal.holder_ids
