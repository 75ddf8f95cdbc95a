"""Kafka client settings this platform insists on (aiokafka's defaults are unsafe here)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


@dataclass(frozen=True)
class KafkaConfig:
    bootstrap_servers: str
    client_id: str
    security_protocol: str = "PLAINTEXT"

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
        return options


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
