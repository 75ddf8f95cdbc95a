"""A broker restart keeps every principal's SCRAM credential, even after one was deleted.

Kafka 4.1 to 4.4 lose every SCRAM credential of a mechanism when a broker restarts by replaying
a metadata log that holds a credential deletion and no snapshot taken after it: ``ScramDelta
.apply()`` drops the mechanism as soon as the user map it fills is empty, which it is when the
deleted user comes first in the HashMap it iterates. Every sign-in is refused from then on,
admin's too (docs/kafka-security.md, "A Kafka defect"). The local broker snapshots its metadata
within a minute of a change (deploy/local/kafka/server.properties.template), so a restart starts
from a snapshot that no longer mentions the deleted user.

This test runs a broker of its own beside the stack's (``kafka-run`` with its own state, secrets
and ports: the same script and configuration), deletes a principal whose name the HashMap visits
first, waits for the snapshot, kills the broker with SIGKILL and starts it again.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient

from ms_deploy import local_kafka

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[4]
KAFKA_RUN = ROOT / "deploy" / "local" / "bin" / "kafka-run"
KEEPER = "keeper"


def _java_hashmap_bucket(name: str, capacity: int = 16) -> int:
    """The bucket java.util.HashMap puts ``name`` in (String.hashCode, spread, masked): the
    order ScramDelta.apply() visits the users of one delta in."""
    h = 0
    for char in name:
        h = (31 * h + ord(char)) & 0xFFFFFFFF
    return (h ^ (h >> 16)) & (capacity - 1)


def _visited_first(others: list[str]) -> str:
    """A principal name the HashMap of a delta holding ``others`` visits before all of them."""
    lowest = min(_java_hashmap_bucket(name) for name in others)
    return next(name for name in (f"gone{i}" for i in range(10_000)) if _java_hashmap_bucket(name) < lowest)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _signs_in(bootstrap: str, name: str, password: str, mechanism: str = local_kafka.MECHANISM) -> bool:
    """Whether the broker lets ``name`` in (False on a refused sign-in, an error when it does
    not answer at all)."""
    errors: list[KafkaError] = []
    client = AdminClient({"bootstrap.servers": bootstrap, "security.protocol": "SASL_PLAINTEXT",
                          "sasl.mechanism": mechanism, "sasl.username": name, "sasl.password": password,
                          "log_level": 0, "error_cb": errors.append})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            client.list_topics(timeout=2)
            return True
        except KafkaException:
            client.poll(0.2)
            if any(e.code() == KafkaError._AUTHENTICATION for e in errors):
                return False
    raise RuntimeError(f"the broker on {bootstrap} does not answer: {[str(e) for e in errors][-3:]}")


class Broker:
    """A broker run by deploy/local/bin/kafka-run with its own state, secrets and ports."""

    def __init__(self, base: Path) -> None:
        self.state, self.secrets = base / "kafka", base / "secrets"
        self.secrets.mkdir(parents=True)
        (self.secrets / "admin.password").write_text(secrets.token_hex(16) + "\n")
        self.admin_password = local_kafka.read_password(self.secrets, local_kafka.ADMIN)
        self.client_port, self.controller_port = _free_port(), _free_port()
        self.bootstrap = f"127.0.0.1:{self.client_port}"
        self.log = base / "kafka.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "KAFKA_STATE_DIR": str(self.state), "KAFKA_SECRETS_DIR": str(self.secrets),
               "KAFKA_CLIENT_PORT": str(self.client_port), "KAFKA_CONTROLLER_PORT": str(self.controller_port)}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([str(KAFKA_RUN)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kafka-run exited ({self.process.returncode}): see {self.log}")
            try:
                answered = local_kafka.admin_signs_in(self.bootstrap, self.admin_password, timeout=5)
            except RuntimeError:  # not answering yet
                time.sleep(1)
                continue
            if answered:
                return
            raise AssertionError(f"the broker refuses admin, whose credential it was formatted with: see {self.log}")
        raise RuntimeError(f"the broker did not answer within 180 s: see {self.log}")

    def kill(self) -> None:
        """SIGKILL, as a crash (kafka-run execs the JVM: the process is the broker)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def snapshots(self) -> set[str]:
        return {p.name for p in (self.state / "data" / "__cluster_metadata-0").glob("*.checkpoint")}


@pytest.fixture
def broker(tmp_path):
    broker = Broker(tmp_path)
    broker.start()
    yield broker
    broker.kill()


def test_a_restart_after_a_credential_deletion_keeps_every_other_principal_signing_in(broker):
    victim = _visited_first([local_kafka.ADMIN, KEEPER])
    passwords = {KEEPER: secrets.token_hex(16), victim: secrets.token_hex(16)}
    client = local_kafka.admin_client(broker.bootstrap, broker.admin_password)
    local_kafka.set_passwords(client, passwords)
    assert _signs_in(broker.bootstrap, victim, passwords[victim])

    before = broker.snapshots()
    local_kafka.forget_users(client, [victim])
    deadline = time.monotonic() + 150
    while not broker.snapshots() - before:
        assert time.monotonic() < deadline, "no metadata snapshot within 150 s of the deletion"
        time.sleep(2)

    broker.kill()
    broker.start()

    assert _signs_in(broker.bootstrap, local_kafka.ADMIN, broker.admin_password)
    assert _signs_in(broker.bootstrap, KEEPER, passwords[KEEPER])
    assert not _signs_in(broker.bootstrap, victim, passwords[victim])
