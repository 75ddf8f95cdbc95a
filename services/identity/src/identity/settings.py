"""Identity's settings (environment variables prefixed IDENTITY_)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from ms_platform.settings import ServiceSettings, development_service_secret


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore", frozen=True)

    service_name: str = "identity"
    api_port: int = 8001
    # Needed by the API only (the relay and migrations never sign anything).
    jwt_key_dir: Path | None = None
    access_token_ttl_s: int = 900
    refresh_token_ttl_days: int = 30
    # Every service that accepts identity's access tokens.
    token_audiences: tuple[str, ...] = (
        "identity", "contracts", "assistance", "callback", "claims", "notify", "affiliation",
    )
    contracts_url: str = "http://127.0.0.1:8002"
    contracts_timeout_s: float = 3.0
    public_url: str = "http://127.0.0.1:8080"
    # ID-11: every context asked for the personal-data export (GET /internal/v1/personal-data).
    personal_data_urls: dict[str, str] = {"contracts": "http://127.0.0.1:8002", "notify": "http://127.0.0.1:8003"}
    personal_data_timeout_s: float = 5.0
    # ADR 0007: the services that may ask for service tokens, each with the SHA-256 (hex) of
    # its <SERVICE>_SERVICE_SECRET, e.g. {"contracts": "9f86d0..."}. Left empty in local/test,
    # every service's documented development secret is accepted instead.
    service_clients: dict[str, str] = {}
    password_reset_ttl_minutes: int = 30
    # ID-15: failed sign-ins evaluated per identifier per hour, and per client address per 15 minutes.
    throttle_per_identifier_per_hour: int = 100
    throttle_per_address_per_15_min: int = 300
    confirmation_ttl_hours: int = 48
    # ID-13: how long a pre-registered employee's activation link (email) or code (letter) works;
    # a letter takes days to arrive.
    activation_ttl_days: int = 30
    # Issue 15 / ID-14: how long an employer or broker user's invitation link works.
    invitation_ttl_hours: int = 168
    # ID-2: the default is the strictest source (s000); s001's 8 + upper/lower/digit is expressible.
    password_min_length: int = 12
    password_require_upper: bool = True
    password_require_lower: bool = True
    password_require_digit: bool = False
    password_require_special: bool = True
    # ID-1: member numbers are digits and/or letters depending on the insurer (s001, s003).
    member_number_pattern: str = r"^[0-9A-Za-z]{6,12}$"
    contract_number_pattern: str = r"^\d{6}$"
    # OWASP minimum for argon2id (m=19 MiB, t=2, p=1).
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456
    argon2_parallelism: int = 1
    # One core stays free for the event loop and the database: hashing threads = cores - 1.
    hashing_threads: int = Field(default_factory=lambda: max(1, (os.cpu_count() or 2) - 1))
    # "kid:base64(32 bytes)[,kid:base64...]": TOTP secrets are stored sealed with the first.
    totp_keys: SecretStr | None = None
    # Niceness of the hashing threads (0-19): they yield the CPU to requests in flight.
    hashing_niceness: int = 10

    def insecure_reasons(self) -> list[str]:
        reasons = super().insecure_reasons()
        if self.argon2_memory_kib < 19456 or self.argon2_time_cost < 2:
            reasons.append("argon2 parameters below the OWASP minimum")
        if self.public_url.startswith("http://"):
            reasons.append("public_url must be https")
        if self.totp_keys is None:
            reasons.append("totp_keys is not set (TOTP secrets are stored encrypted)")
        if self.password_min_length < 8:
            reasons.append("password_min_length below 8")
        for name, digest in self.service_clients.items():
            if digest.lower() == hashlib.sha256(development_service_secret(name).encode()).hexdigest():
                reasons.append(f"service_clients: {name} has the development secret")
        return reasons
