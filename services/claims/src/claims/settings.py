"""Claims's settings (environment variables prefixed CLAIMS_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ms_platform.settings import ServiceSettings


class ClaimsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CLAIMS_", extra="ignore", frozen=True)

    service_name: str = "claims"
    api_port: int = 8006
    # How many items one account may keep (a setting, not a constant: insurers differ).
    max_items_per_account: int = Field(100, ge=1)
