"""Typed settings shared by every service.

Each service subclasses ``ServiceSettings`` with its own ``env_prefix`` (``IDENTITY_``...).
Platform-wide values (environment, Kafka, tracing) are read without prefix, so one
deployment sets them once.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self
from urllib.parse import urlsplit

from pydantic import Field, PostgresDsn, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    LOCAL = "local"
    TEST = "test"
    STAGING = "staging"
    PRODUCTION = "production"


class InsecureSettingsError(ValueError):
    """Raised when a setting is unsafe for the environment it runs in."""


# ADR 0007 (amended): on Kubernetes a caller reaches identity's token endpoint by its Service's
# cluster-internal name over plain http; the traffic never leaves the cluster network and the
# namespace's NetworkPolicies admit only the declared callers to identity's API.
CLUSTER_INTERNAL_SUFFIX = ".svc.cluster.local"


def _safe_tokens_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and (parts.hostname or "").endswith(CLUSTER_INTERNAL_SUFFIX)


def development_service_secret(service: str) -> str:
    """The documented secret a service uses in local/test when none is set (refused elsewhere)."""
    return f"development-only-service-secret-of-{service}"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "service"
    environment: Environment = Field(Environment.PRODUCTION, validation_alias="MS_ENVIRONMENT")
    database_url: PostgresDsn
    db_pool_min: int = 1
    db_pool_max: int = 10
    db_command_timeout_s: float = 5.0
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", validation_alias="KAFKA_BOOTSTRAP_SERVERS"
    )
    kafka_security_protocol: str = Field("PLAINTEXT", validation_alias="KAFKA_SECURITY_PROTOCOL")
    # The service's own Kafka principal (SASL_SSL / SASL_PLAINTEXT): its ACLs say what it may do.
    kafka_sasl_mechanism: str = Field("SCRAM-SHA-512", validation_alias="KAFKA_SASL_MECHANISM")
    kafka_sasl_username: str | None = Field(None, validation_alias="KAFKA_SASL_USERNAME")
    kafka_sasl_password: SecretStr | None = Field(None, validation_alias="KAFKA_SASL_PASSWORD")
    jwks_url: str = "http://127.0.0.1:8001/.well-known/jwks.json"
    jwt_issuer: str = Field("memberspace-identity", validation_alias="JWT_ISSUER")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    otel_exporter_otlp_endpoint: str | None = Field(
        None, validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT"
    )
    # Prometheus metrics of an API (RED per route, pool): on everywhere; off only to measure
    # what they cost (bench/observability_bench.py).
    metrics_enabled: bool = Field(True, validation_alias="METRICS_ENABLED")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Processes serving the API (uvicorn workers); scale out further with more hosts/pods.
    api_workers: int = 1
    # Relays and workers answer /health/live (and later /metrics) on this port when it is
    # set (<PREFIX>_PROBE_PORT; each container in compose and Kubernetes, not the local stack,
    # where supervisord watches the processes and several would share one address).
    probe_port: int | None = None
    probe_host: str = "0.0.0.0"
    # A relay or worker whose loop did not turn for this long is reported dead.
    probe_max_silence_s: float = 120.0
    # Addresses whose X-Forwarded-For is trusted (the gateway's); the client address of a
    # request comes from there.
    forwarded_allow_ips: str = Field("127.0.0.1", validation_alias="FORWARDED_ALLOW_IPS")
    # This service's secret for asking identity for service tokens (ADR 0007): at least 32
    # random characters (openssl rand -hex 32); identity knows its SHA-256.
    service_secret: SecretStr | None = None
    service_tokens_url: str = Field(
        "http://127.0.0.1:8001/internal/v1/service-tokens", validation_alias="SERVICE_TOKENS_URL"
    )

    @property
    def is_development(self) -> bool:
        return self.environment in (Environment.LOCAL, Environment.TEST)

    @model_validator(mode="after")
    def _refuse_insecure_defaults(self) -> Self:
        if self.is_development:
            return self
        problems = self.insecure_reasons()
        if problems:
            raise InsecureSettingsError(
                f"insecure settings for {self.environment}: " + "; ".join(problems)
            )
        return self

    def insecure_reasons(self) -> list[str]:
        """What makes these settings unsafe outside local development (extend in services)."""
        reasons: list[str] = []
        url = self.database_url
        if not url.hosts() or not url.hosts()[0].get("password"):
            reasons.append("database_url has no password")
        if self.kafka_security_protocol not in ("SSL", "SASL_SSL"):
            reasons.append("Kafka must use TLS (KAFKA_SECURITY_PROTOCOL=SSL or SASL_SSL)")
        if self.kafka_security_protocol.startswith("SASL_") and not (
            self.kafka_sasl_username and self.kafka_sasl_password
        ):
            reasons.append("Kafka SASL needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD")
        if self.jwks_url.startswith("http://"):
            reasons.append("jwks_url must be https")
        reasons += self._service_secret_reasons()
        return reasons

    def _service_secret_reasons(self) -> list[str]:
        if self.service_secret is None:
            return []  # a service that calls nobody needs none; one that does fails at its first call
        secret = self.service_secret.get_secret_value()
        reasons = []
        if secret == development_service_secret(self.service_name) or len(secret) < 32:
            reasons.append("service_secret is the development default or shorter than 32 characters")
        if not _safe_tokens_url(self.service_tokens_url):
            reasons.append("service_tokens_url must be https, or http to a cluster-internal "
                           "*.svc.cluster.local host (ADR 0007: the service secret goes there)")
        return reasons

    def service_client_secret(self) -> SecretStr:
        """The secret this service shows identity; the documented default in local/test only."""
        if self.service_secret is not None:
            return self.service_secret
        if self.is_development:
            return SecretStr(development_service_secret(self.service_name))
        prefix = str(self.model_config.get("env_prefix", "")).upper()
        raise InsecureSettingsError(f"{prefix}SERVICE_SECRET is not set: it is needed to call other services")

    @property
    def dsn(self) -> str:
        return str(self.database_url)
