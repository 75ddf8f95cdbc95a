"""FastAPI dependency aliases shared by contracts' routers."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Request

from contracts.entrypoints.scope import MemberScope, ReaderScope, ScopeDep
from contracts.settings import ContractsSettings
from ms_platform.deps import Uow, app_settings

__all__ = ["MemberScope", "ReaderScope", "ScopeDep", "SettingsDep", "Today", "Uow"]


async def today(request: Request) -> date:
    """The insurer's date (its time zone), which decides what is in force."""
    return request.app.state.clock()


Today = Annotated[date, Depends(today)]
SettingsDep = Annotated[ContractsSettings, Depends(app_settings)]
