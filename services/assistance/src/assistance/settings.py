"""Assistance's settings (environment variables prefixed ASSISTANCE_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ms_platform.settings import ServiceSettings


class AssistanceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANCE_", extra="ignore", frozen=True)

    service_name: str = "assistance"
    api_port: int = 8004
    # How many items one account may keep (a setting, not a constant: insurers differ).
    max_items_per_account: int = Field(100, ge=1)
