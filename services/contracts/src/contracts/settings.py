"""Settings of the contracts service (environment variables prefixed ``CONTRACTS_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from ms_platform.settings import ServiceSettings


class ContractsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONTRACTS_", extra="ignore", frozen=True)

    service_name: str = "contracts"
    api_port: int = 8002
    # Number formats differ between insurers (ID-1): they are deployment settings.
    contract_number_pattern: str = r"^\d{6}$"
    member_number_pattern: str = r"^\d{7}$"
    adult_age: int = 18
    max_import_lines: int = 5000
    # "Today" for the in-force rule is the insurer's calendar day, not the server's.
    timezone: str = "Europe/Paris"
