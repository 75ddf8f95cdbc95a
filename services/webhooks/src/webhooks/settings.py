"""Webhooks's settings (environment variables prefixed WEBHOOKS_)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from ms_platform.settings import ServiceSettings

# The key that seals signing secrets in local/test when WEBHOOKS_SECRET_KEYS is unset
# (64 hex digits, published here, so refused anywhere else).
DEVELOPMENT_SECRET_KEY = "00" * 16 + "de" * 16


class WebhooksSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="WEBHOOKS_", extra="ignore", frozen=True)

    service_name: str = "webhooks"
    api_port: int = 8010

    # Signing secrets are stored sealed (Fernet) with the first of these keys, 64 hex digits
    # each, comma-separated; every key opens, so a new key goes in front of the old ones.
    secret_keys: SecretStr | None = None
    # http:// targets on 127.0.0.1 only (the local stack's receivers); https everywhere else.
    allow_http_loopback: bool = False
    max_subscriptions: int = Field(100, ge=1)

    # Delivery: every attempt re-signs with a fresh timestamp and the same webhook-id.
    http_timeout_s: float = Field(10.0, gt=0, le=60)
    max_attempts: int = Field(12, ge=1, le=50)
    # A delivery is dead after max_attempts or once it is older than max_age_s, the first reached.
    max_age_s: float = Field(3 * 24 * 3600.0, gt=0)
    first_backoff_s: float = Field(30.0, gt=0)
    max_backoff_s: float = Field(6 * 3600.0, gt=0)
    # Signatures with the previous secret go on for this long after a rotation.
    rotation_overlap_s: float = Field(24 * 3600.0, ge=0)

    dispatch_batch_size: int = Field(20, ge=1, le=500)
    dispatch_poll_interval_s: float = Field(1.0, gt=0)
    backlog_every_s: float = Field(5.0, gt=0)
    # Delivered deliveries stay in the operators' log this long (dead ones until replayed or deleted).
    delivered_retention_s: float = Field(30 * 24 * 3600.0, gt=0)

    def sealing_keys(self) -> list[str]:
        """The sealing keys (first seals), the development one in local/test when none is set."""
        if self.secret_keys is None:
            return [DEVELOPMENT_SECRET_KEY]
        return [k.strip() for k in self.secret_keys.get_secret_value().split(",") if k.strip()]

    def insecure_reasons(self) -> list[str]:
        reasons = super().insecure_reasons()
        if self.secret_keys is None or DEVELOPMENT_SECRET_KEY in self.sealing_keys():
            reasons.append("secret_keys is not set (signing secrets are stored sealed)")
        if self.allow_http_loopback:
            reasons.append("allow_http_loopback is for the local stack only")
        return reasons
