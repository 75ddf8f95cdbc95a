"""Webhooks's settings (environment variables prefixed WEBHOOKS_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ms_platform.settings import ServiceSettings


class WebhooksSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="WEBHOOKS_", extra="ignore", frozen=True)

    service_name: str = "webhooks"
    api_port: int = 8010
    # How many items one account may keep (a setting, not a constant: insurers differ).
    max_items_per_account: int = Field(100, ge=1)
