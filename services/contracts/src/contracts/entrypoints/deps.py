"""FastAPI dependency aliases shared by contracts' routers."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Request

from contracts.entrypoints.scope import MemberScope, ReaderScope, ScopeDep
from contracts.settings import ContractsSettings
from ms_platform.uow import UnitOfWork

__all__ = ["MemberScope", "ReaderScope", "ScopeDep", "SettingsDep", "Today", "Uow"]


async def today(request: Request) -> date:
    """The insurer's date (its time zone), which decides what is in force."""
    return request.app.state.clock()


Today = Annotated[date, Depends(today)]


async def settings(request: Request) -> ContractsSettings:
    return request.app.state.settings


SettingsDep = Annotated[ContractsSettings, Depends(settings)]


async def uow(request: Request) -> UnitOfWork:
    """A unit of work over the app's pool, of the kind bootstrap chose (``app.state.unit_of_work``).

    Built per request, as cheap as a tuple: the pool is the app's at that moment (tests may
    give the app a pool of their own without running its lifespan)."""
    return request.app.state.unit_of_work(request.app.state.pool)


Uow = Annotated[UnitOfWork, Depends(uow)]
