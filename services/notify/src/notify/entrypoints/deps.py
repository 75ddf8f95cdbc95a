"""FastAPI dependency aliases shared by notify's routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ms_platform.uow import UnitOfWork

from notify.settings import NotifySettings


async def settings(request: Request) -> NotifySettings:
    return request.app.state.settings


SettingsDep = Annotated[NotifySettings, Depends(settings)]


async def uow(request: Request) -> UnitOfWork:
    """A unit of work over the app's pool, of the kind bootstrap chose (``app.state.unit_of_work``).

    Built per request, as cheap as a tuple: the pool is the app's at that moment (tests may
    give the app a pool of their own without running its lifespan)."""
    return request.app.state.unit_of_work(request.app.state.pool)


Uow = Annotated[UnitOfWork, Depends(uow)]
