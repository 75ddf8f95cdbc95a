"""Affiliation's settings (environment variables prefixed AFFILIATION_).

Deadlines, limits and the calendar differ between insurers: each is a setting, never a constant.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ms_platform.settings import ServiceSettings


class AffiliationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AFFILIATION_", extra="ignore", frozen=True)

    service_name: str = "affiliation"
    api_port: int = 8007

    # AF-3: online requests are processed within this many business days (French public holidays
    # from the maintained `holidays` library, in the insurer's time zone).
    processing_business_days: int = Field(1, ge=1, le=10)
    timezone: str = "Europe/Paris"
    holiday_country: str = "FR"
    holiday_subdivision: str | None = None
    # A start date further back than this goes to a back-office user (contributions to call back).
    max_retroactive_days: int = Field(90, ge=0)
    # No affiliation starting further ahead than this.
    max_future_days: int = Field(365, ge=1)
    # The worker processes received requests every few seconds, a batch at a time.
    processing_interval_s: float = Field(2.0, gt=0)
    processing_batch_size: int = Field(100, ge=1)
    # AF-2: how long an employee's invitation link stays usable.
    invitation_ttl_hours: int = Field(7 * 24, ge=1)
    # The employee list's pages (AF-4).
    page_size_max: int = Field(200, ge=1, le=1000)
