"""FastAPI dependency aliases shared by contracts' routers."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Request

from contracts.entrypoints.scope import MemberScope, ReaderScope, ScopeDep
from contracts.settings import ContractsSettings

__all__ = ["MemberScope", "ReaderScope", "ScopeDep", "SettingsDep", "Today"]


async def today(request: Request) -> date:
    """The insurer's date (its time zone), which decides what is in force."""
    return request.app.state.clock()


Today = Annotated[date, Depends(today)]


async def settings(request: Request) -> ContractsSettings:
    return request.app.state.settings


SettingsDep = Annotated[ContractsSettings, Depends(settings)]
