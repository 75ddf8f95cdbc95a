"""Assistance's settings (environment variables prefixed ASSISTANCE_).

Slots, horizons and deadlines differ between insurers and assistance providers: each is a
setting, never a constant in the code.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from assistance.adapters.health_cipher import HealthCipher
from assistance.domain.requests import SlotRules
from ms_platform.settings import ServiceSettings

# The key sealing health data in local/test when ASSISTANCE_HEALTH_DATA_KEYS is unset (published
# here, so refused anywhere else: insecure_reasons).
DEVELOPMENT_HEALTH_KEY = "dev0:" + "00" * 16 + "a5" * 16


class AssistanceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANCE_", extra="ignore", frozen=True)

    service_name: str = "assistance"
    api_port: int = 8004

    # AS-10: AES-256-GCM keys, "kid:hex64,kid:hex64" (or bare hex64), the first seals, all open.
    health_data_keys: SecretStr | None = None
    # Assistance guarantees per product (default: the file shipped in assistance/data/).
    guarantees_file: Path | None = None

    # AS-4: the slots a service is set up or delivered in (local time), and how far ahead.
    service_slots: list[str] = Field(default_factory=lambda: ["08:00-10:00", "10:00-12:00", "14:00-16:00",
                                                               "16:00-18:00"])
    timezone: str = "Europe/Paris"
    horizon_days: int = Field(90, ge=1, le=366)
    # AS-1: an event may be declared this far back, or planned this far ahead.
    past_event_days: int = Field(90, ge=0, le=730)
    planned_event_days: int = Field(180, ge=0, le=730)
    # AS-6: agents check an incomplete request within this many hours.
    check_deadline_hours: int = Field(48, ge=1)
    max_selections: int = Field(20, ge=1, le=100)
    max_addresses: int = Field(20, ge=1, le=200)

    # AS-7: where the member books a callback (callback service's routes, through the gateway).
    callback_booking_path: str = "/v1/callbacks"
    callback_slots_path: str = "/v1/callback-slots"

    # AS-8: "this child is on the member's contract" is asked of contracts' API (member's token).
    contracts_url: str = "http://127.0.0.1:8002"
    contracts_timeout_s: float = Field(3.0, gt=0)
    # The carrier taking children to school: its HTTP API (a stand-in on the local stack).
    carrier_url: str = "http://127.0.0.1:8091"
    carrier_key: SecretStr | None = None
    carrier_timeout_s: float = Field(5.0, gt=0)
    carrier_sweep_interval_s: float = Field(5.0, gt=0)
    carrier_batch_size: int = Field(50, ge=1)

    @field_validator("service_slots")
    @classmethod
    def _slots_parse(cls, value: list[str]) -> list[str]:
        SlotRules.parse(value, "UTC", 1, 0, 0)
        return value

    @field_validator("health_data_keys")
    @classmethod
    def _keys_parse(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            HealthCipher.from_text(value.get_secret_value())
        return value

    def cipher(self) -> HealthCipher:
        keys = self.health_data_keys.get_secret_value() if self.health_data_keys else DEVELOPMENT_HEALTH_KEY
        return HealthCipher.from_text(keys)

    def slot_rules(self) -> SlotRules:
        return SlotRules.parse(self.service_slots, self.timezone, self.horizon_days, self.past_event_days,
                               self.planned_event_days)

    def carrier_api_key(self) -> str:
        return self.carrier_key.get_secret_value() if self.carrier_key else "local-carrier-standin-key"

    def insecure_reasons(self) -> list[str]:
        reasons = super().insecure_reasons()
        if self.health_data_keys is None or DEVELOPMENT_HEALTH_KEY.split(":")[1] in self.health_data_keys.get_secret_value():
            reasons.append("health_data_keys is not set (health data is stored encrypted, AS-10)")
        if self.carrier_key is None:
            reasons.append("carrier_key is not set")
        return reasons
