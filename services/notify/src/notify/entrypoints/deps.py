"""FastAPI dependency aliases shared by notify's routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from ms_platform.deps import Uow, app_settings
from notify.settings import NotifySettings

__all__ = ["SettingsDep", "Uow"]

SettingsDep = Annotated[NotifySettings, Depends(app_settings)]
