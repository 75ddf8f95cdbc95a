"""Callback's settings (environment variables prefixed CALLBACK_).

Opening hours, slot length, time zone, capacity and reminder time differ between insurers and
call centres: each is a setting (CB-1, CB-2), never a constant in the code.
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from callback.domain.calendar import OpeningHours
from ms_platform.settings import ServiceSettings

# Monday to Friday 9:00-18:00, Saturday 9:00-12:00 (the call centre's usual hours).
DEFAULT_OPENING_HOURS = {
    "mon": "09:00-18:00", "tue": "09:00-18:00", "wed": "09:00-18:00", "thu": "09:00-18:00",
    "fri": "09:00-18:00", "sat": "09:00-12:00",
}


class CallbackSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CALLBACK_", extra="ignore", frozen=True)

    service_name: str = "callback"
    api_port: int = 8005

    # CALLBACK_OPENING_HOURS='{"mon": "09:00-12:00,14:00-18:00", ...}': days absent are closed.
    opening_hours: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_OPENING_HOURS))
    slot_minutes: int = Field(30, ge=5, le=240)
    timezone: str = "Europe/Paris"
    # French public holidays close the call centre (the maintained `holidays` library); a
    # subdivision adds its own days (e.g. "57" Moselle: Good Friday and 26 December).
    holiday_country: str = "FR"
    holiday_subdivision: str | None = None
    # No slot starting within this many minutes; none further than this many days ahead.
    min_lead_minutes: int = Field(60, ge=0)
    horizon_days: int = Field(30, ge=1, le=366)
    # Agents available per slot when an operator set nothing for that slot or its day.
    default_slot_capacity: int = Field(2, ge=0, le=1000)
    # How many free slots a "créneau complet" answer suggests.
    suggested_slots: int = Field(3, ge=1, le=20)
    # The SMS reminder goes the morning of the slot, at this local hour (or at once when the
    # callback is booked later that morning).
    reminder_hour: int = Field(8, ge=0, le=23)
    reminder_sweep_interval_s: float = Field(30.0, gt=0)
    reminder_batch_size: int = Field(100, ge=1)
    # People without an account: their name, number and comment are kept this many days after
    # the slot, then pseudonymised (no account to delete: the retention is the erasure).
    anonymous_retention_days: int = Field(90, ge=1)
    # What one member may hold at once (a setting: abuse is not a reason to refuse a second call).
    max_open_callbacks_per_account: int = Field(5, ge=1)
    max_open_callbacks_per_phone: int = Field(3, ge=1)

    # Contact requests and complaints (CB-4): deadlines (ACPR 2022-R-01 for complaints; s003).
    complaint_ack_business_days: int = Field(10, ge=1)
    complaint_answer_months: int = Field(2, ge=1)
    request_answer_hours: int = Field(72, ge=1)
    # Attachments: files of a multipart/form-data body, which the gateway lets reach 21m on
    # /v1/contact-requests (service.toml upload_prefixes, max_upload_body): keep the total below it.
    max_attachments: int = Field(5, ge=0, le=20)
    max_attachment_bytes: int = Field(10_000_000, ge=1000)
    max_attachments_total_bytes: int = Field(20_000_000, ge=1000)
    # "This contract is the member's" is asked of contracts' API, with the member's token.
    contracts_url: str = "http://127.0.0.1:8002"
    contracts_timeout_s: float = Field(3.0, gt=0)
    # Partner applications (BR-5): answered within this many hours counted on business days;
    # accepting registers the firm at identity (POST /v1/broker-firms, with the operator's token).
    partner_answer_business_hours: int = Field(72, ge=1)
    identity_url: str = "http://127.0.0.1:8001"
    identity_timeout_s: float = Field(5.0, gt=0)

    @field_validator("opening_hours")
    @classmethod
    def _hours_parse(cls, value: dict[str, str]) -> dict[str, str]:
        OpeningHours.parse(value)  # ValueError with the reason
        return value

    def opening(self) -> OpeningHours:
        return OpeningHours.parse(self.opening_hours)
