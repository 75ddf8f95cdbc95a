"""FastAPI dependencies every service's routers share; each service re-exports them from its
``entrypoints/deps.py`` next to its own aliases (the caller, the scope, the settings type)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from ms_platform.uow import UnitOfWork


async def app_settings(request: Request) -> Any:
    """The settings the app was built with (``SettingsDep = Annotated[<Service>Settings, Depends(app_settings)]``)."""
    return request.app.state.settings


async def unit_of_work(request: Request) -> UnitOfWork:
    """A unit of work over the app's pool, of the kind bootstrap chose (``app.state.unit_of_work``).

    Built per request, as cheap as a tuple: the pool is the app's at that moment (tests may
    give the app a pool of their own without running its lifespan)."""
    return request.app.state.unit_of_work(request.app.state.pool)


Uow = Annotated[UnitOfWork, Depends(unit_of_work)]
