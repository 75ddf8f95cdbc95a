"""FastAPI dependency aliases shared by claims's routers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from claims.settings import ClaimsSettings
from ms_platform.auth import Principal, Role, require_roles
from ms_platform.deps import Uow, app_settings

__all__ = ["Member", "Service", "SettingsDep", "Uow", "account_id"]

SettingsDep = Annotated[ClaimsSettings, Depends(app_settings)]
Member = Annotated[Principal, require_roles(Role.MEMBER)]
Service = Annotated[Principal, require_roles(Role.SERVICE)]


def account_id(principal: Principal) -> uuid.UUID:
    """A member's token names their account: what they may see is what it owns."""
    return uuid.UUID(principal.subject)
