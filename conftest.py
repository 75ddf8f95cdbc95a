"""Root test configuration: every test sees the local stack's settings (var/local.env)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
LOCAL_ENV = ROOT / "var" / "local.env"


def local_env_pairs() -> dict[str, str]:
    """The settings of var/local.env (none before `make up` wrote it)."""
    if not LOCAL_ENV.exists():
        return {}
    pairs = {}
    for line in LOCAL_ENV.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip().strip('"').strip("'")
    return pairs


def _load_local_env() -> None:
    for key, value in local_env_pairs().items():
        if key.startswith("OTEL_"):
            continue  # the stack's processes export spans, not the tests' own apps
        os.environ.setdefault(key, value)


def _sign_in_to_kafka_as_admin() -> None:
    """Tests, benchmarks and their fixtures talk to Kafka as admin, the local broker's super
    user (KafkaConfig.from_env reads these); a test of another principal's rights signs in as
    that principal (ms_platform.testing.kafka_password). Never a service's processes: each
    signs in as its own principal (deploy/local/bin/with-env --kafka-principal)."""
    password = Path(os.environ.get("KAFKA_SECRETS_DIR") or ROOT / "var" / "secrets" / "kafka") / "admin.password"
    if password.exists() and "KAFKA_SASL_USERNAME" not in os.environ:
        os.environ["KAFKA_SASL_USERNAME"] = "admin"
        os.environ["KAFKA_SASL_PASSWORD"] = password.read_text().strip()


_load_local_env()
_sign_in_to_kafka_as_admin()
