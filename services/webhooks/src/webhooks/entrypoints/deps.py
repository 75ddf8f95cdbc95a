"""FastAPI dependency aliases shared by webhooks's routers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request

from ms_platform.auth import Principal, Role, require_roles
from ms_platform.deps import Uow, app_settings

from webhooks.adapters.secret_box import SecretBox
from webhooks.app.subscriptions import Rules
from webhooks.settings import WebhooksSettings

__all__ = ["Box", "Operator", "RulesDep", "Service", "SettingsDep", "Uow", "operator_id"]

SettingsDep = Annotated[WebhooksSettings, Depends(app_settings)]
# Subscriptions are the platform's, not a person's: operators manage them all, nobody else sees them.
Operator = Annotated[Principal, require_roles(Role.OPERATOR)]
Service = Annotated[Principal, require_roles(Role.SERVICE)]


async def _box(request: Request) -> SecretBox:
    return request.app.state.secret_box


async def _rules(request: Request) -> Rules:
    return request.app.state.rules


Box = Annotated[SecretBox, Depends(_box)]
RulesDep = Annotated[Rules, Depends(_rules)]


def operator_id(principal: Principal) -> uuid.UUID:
    """An operator's account id, kept as who created a subscription."""
    return uuid.UUID(principal.subject)
