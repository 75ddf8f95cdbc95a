"""FastAPI dependency aliases shared by callback's routers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from callback.app.callbacks import Rules
from callback.settings import CallbackSettings
from ms_platform.auth import Principal, Role, current_principal, require_roles
from ms_platform.deps import Uow, app_settings
from ms_platform.problems import Forbidden

__all__ = ["Agent", "Member", "Now", "OptionalMember", "RulesDep", "Service", "SettingsDep", "Staff", "Uow",
           "account_id"]

SettingsDep = Annotated[CallbackSettings, Depends(app_settings)]
Member = Annotated[Principal, require_roles(Role.MEMBER)]
# The day's queue and call outcomes: agents (chargés d'assistance) only; members never.
Agent = Annotated[Principal, require_roles(Role.AGENT)]
# Capacity (agents available per day or slot): operators and agents.
Staff = Annotated[Principal, require_roles(Role.OPERATOR, Role.AGENT)]
Service = Annotated[Principal, require_roles(Role.SERVICE)]


async def _rules(request: Request) -> Rules:
    return request.app.state.callback_rules


async def _now(request: Request) -> datetime:
    return request.app.state.clock()


async def _optional_member(request: Request) -> Principal | None:
    """No Authorization header: a person without an account (CB-3). A header: a valid member token."""
    if not request.headers.get("authorization"):
        return None
    principal = await current_principal(request)
    if not principal.has_any((Role.MEMBER,)):
        raise Forbidden()
    return principal


RulesDep = Annotated[Rules, Depends(_rules)]
Now = Annotated[datetime, Depends(_now)]
OptionalMember = Annotated[Principal | None, Depends(_optional_member)]


def account_id(principal: Principal) -> uuid.UUID:
    """A member's token names their account: what they may see is what it owns."""
    return uuid.UUID(principal.subject)
