"""Notify's settings: database, SMTP relay, and what the messages say about the insurer."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from ms_platform.settings import ServiceSettings


# The local SMS stand-in's default key (deploy/local/sms_provider_standin.py); refused elsewhere.
LOCAL_SMS_KEY = "local-sms-standin-key"


def _alias(name: str) -> AliasChoices:
    # SMTP_* is set once per deployment for every service; NOTIFY_SMTP_* overrides it here.
    return AliasChoices(f"NOTIFY_{name}", name)


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore", frozen=True)

    service_name: str = "notify"
    api_port: int = 8003

    smtp_host: str = Field("127.0.0.1", validation_alias=_alias("SMTP_HOST"))
    smtp_port: int = Field(1025, validation_alias=_alias("SMTP_PORT"))
    smtp_username: str | None = Field(None, validation_alias=_alias("SMTP_USERNAME"))
    smtp_password: SecretStr | None = Field(None, validation_alias=_alias("SMTP_PASSWORD"))
    smtp_starttls: bool = Field(False, validation_alias=_alias("SMTP_STARTTLS"))
    smtp_timeout_s: float = 30.0

    mail_from: str = "Mutuelle Exemple <ne-pas-repondre@mutuelle.example>"
    insurer_name: str = "Mutuelle Exemple"
    insurer_phone: str = "01 23 45 67 89"
    insurer_email: str = "contact@mutuelle.example"
    insurer_address: str = "Mutuelle Exemple, 12 rue des Lilas, 75013 Paris"

    # SMS provider API (NOTIFY_SMS_PROVIDER_URL / NOTIFY_SMS_PROVIDER_KEY).
    sms_provider_url: str = "http://127.0.0.1:8090"
    sms_provider_key: SecretStr = SecretStr(LOCAL_SMS_KEY)
    sms_sender: str = Field("MUTUELLE", max_length=11)
    sms_timeout_s: float = Field(10.0, gt=0)
    # Print queue for letters (NOTIFY_LETTER_OUTBOX): a directory locally.
    letter_outbox: Path = Path("var/letters")
    public_url: str = "http://127.0.0.1:8080"

    delivery_max_attempts: int = Field(8, ge=1)
    delivery_first_backoff_s: float = Field(10.0, gt=0)
    delivery_max_backoff_s: float = Field(300.0, gt=0)
    dispatch_batch_size: int = Field(20, ge=1)
    dispatch_poll_interval_s: float = Field(1.0, gt=0)
    # Dispatcher loops sending side by side, each with its own database and SMTP connection
    # (the worker's pool, db_pool_max, must hold them plus the consumer and the listener).
    dispatch_concurrency: int = Field(4, ge=1, le=32)

    def insecure_reasons(self) -> list[str]:
        reasons = super().insecure_reasons()
        if not self.smtp_starttls:
            reasons.append("SMTP must use STARTTLS (SMTP_STARTTLS=true)")
        if self.smtp_username and self.smtp_password is None:
            reasons.append("SMTP username set without a password")
        if not self.sms_provider_url.startswith("https://"):
            reasons.append("sms_provider_url must be https")
        if self.sms_provider_key.get_secret_value() == LOCAL_SMS_KEY:
            reasons.append("sms_provider_key is the local stand-in's key")
        if not self.public_url.startswith("https://"):
            reasons.append("public_url must be https (links in emails)")
        return reasons
