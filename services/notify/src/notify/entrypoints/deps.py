"""FastAPI dependency aliases shared by notify's routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from notify.settings import NotifySettings


async def settings(request: Request) -> NotifySettings:
    return request.app.state.settings


SettingsDep = Annotated[NotifySettings, Depends(settings)]
