"""Kafka client settings this platform insists on (aiokafka's defaults are unsafe here)."""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient


@dataclass(frozen=True)
class KafkaConfig:
    bootstrap_servers: str
    client_id: str
    security_protocol: str = "PLAINTEXT"
    # SASL sign-in of the service's own principal (SCRAM-SHA-512: SASL_SSL in Kubernetes,
    # SASL_PLAINTEXT on the local broker), whose ACLs say what it may read and write.
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, client_id: str) -> "KafkaConfig":
        """For the platform's tools (topics, DLQ replay): the same variables the services read."""
        env = os.environ
        return cls(
            bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            client_id=client_id,
            security_protocol=env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"),
            sasl_mechanism=env.get("KAFKA_SASL_MECHANISM") or None,
            sasl_username=env.get("KAFKA_SASL_USERNAME") or None,
            sasl_password=env.get("KAFKA_SASL_PASSWORD") or None,
        )

    def common(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "client_id": self.client_id,
            "security_protocol": self.security_protocol,
            "request_timeout_ms": 15000,
            "retry_backoff_ms": 200,
            "metadata_max_age_ms": 30000,
        }
        if self.security_protocol in ("SSL", "SASL_SSL"):
            options["ssl_context"] = ssl.create_default_context()
        if self.security_protocol.startswith("SASL_"):
            options.update(sasl_mechanism=self.sasl_mechanism or "SCRAM-SHA-512",
                           sasl_plain_username=self.sasl_username,
                           sasl_plain_password=self.sasl_password)
        return options


def make_admin(config: KafkaConfig, **overrides: Any) -> AIOKafkaAdminClient:
    """An admin client (topics, groups, offsets) signed in as ``config`` says."""
    options = {k: v for k, v in config.common().items() if k != "metadata_max_age_ms"}
    return AIOKafkaAdminClient(**{**options, **overrides})


def make_producer(config: KafkaConfig, **overrides: Any) -> AIOKafkaProducer:
    """A producer that waits for every in-sync replica and never writes a batch twice."""
    options = {
        **config.common(),
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 1,
        **overrides,
    }
    return AIOKafkaProducer(**options)


def make_consumer(config: KafkaConfig, group_id: str, *topics: str, **overrides: Any) -> AIOKafkaConsumer:
    """A consumer whose offsets move only when this platform says the work is done."""
    options = {
        **config.common(),
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
        "max_poll_interval_ms": 300000,
        "session_timeout_ms": 10000,
        "heartbeat_interval_ms": 3000,
        "fetch_max_wait_ms": 200,
        **overrides,
    }
    return AIOKafkaConsumer(*topics, **options)


def instrument_kafka() -> None:
    """Producer and consumer spans from OpenTelemetry's aiokafka instrumentation: a ``<topic>
    send`` PRODUCER span around each send, its ``traceparent`` in the record's headers, and a
    ``<topic> receive`` CONSUMER span for each record fetched, continuing that trace. Only where
    spans are exported (``configure_tracing`` said so): the envelope carries the trace anyway."""
    from opentelemetry.instrumentation.aiokafka import AIOKafkaInstrumentor

    instrumentor = AIOKafkaInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()
