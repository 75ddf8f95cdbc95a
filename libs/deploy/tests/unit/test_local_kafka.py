"""The local broker's principals come from the same ACLs as the Strimzi KafkaUsers."""

from __future__ import annotations

import base64
import hashlib
import re
import stat

import yaml

from ms_deploy import declaration, generate, kafka, local_kafka
from ms_deploy.local_kafka import Binding
from ms_events.catalogue import dead_letter_topic, private_topics, public_topics

PLATFORM = declaration.load()
KAFKA_YAML = generate.files(PLATFORM)["deploy/k8s/base/kafka.yaml"]


def kafka_users() -> dict[str, list[dict]]:
    return {d["metadata"]["name"]: d["spec"]["authorization"]["acls"]
            for d in yaml.safe_load_all(KAFKA_YAML) if d["kind"] == "KafkaUser"}


def test_the_local_principals_are_the_strimzi_kafka_users_and_admin():
    assert local_kafka.principals(PLATFORM) == [local_kafka.ADMIN, *kafka_users()]
    assert set(kafka_users()) == {s.name for s in PLATFORM.services} | {kafka.INTEGRATOR}


def test_each_local_principals_acls_are_its_kafka_users_acls_from_the_same_function():
    wanted = local_kafka.desired_bindings(PLATFORM)
    for name, rules in kafka_users().items():
        assert wanted[name] == local_kafka.bindings(name, rules)
        if name != kafka.INTEGRATOR:
            assert rules == kafka.acls(PLATFORM.service(name), kafka.catalogue_topics())


def test_strimzi_operations_and_patterns_become_the_brokers():
    rules = [{"resource": {"type": "cluster"}, "operations": ["IdempotentWrite"], "host": "*"},
             {"resource": {"type": "group", "name": "integrator-", "patternType": "prefix"},
              "operations": ["Read"], "host": "*"},
             {"resource": {"type": "topic", "name": "a.b.v1", "patternType": "literal"},
              "operations": ["Write", "Describe"], "host": "*"}]
    assert local_kafka.bindings("svc", rules) == {
        Binding("svc", "BROKER", "kafka-cluster", "LITERAL", "IDEMPOTENT_WRITE"),
        Binding("svc", "GROUP", "integrator-", "PREFIXED", "READ"),
        Binding("svc", "TOPIC", "a.b.v1", "LITERAL", "WRITE"),
        Binding("svc", "TOPIC", "a.b.v1", "LITERAL", "DESCRIBE"),
    }


def test_the_integrator_reads_public_topics_only_in_its_own_groups():
    rules = kafka.integrator_acls(kafka.catalogue_topics())
    topics = {r["resource"]["name"] for r in rules if r["resource"]["type"] == "topic"}
    assert topics == set(public_topics())
    assert not topics & set(private_topics())
    assert not {dead_letter_topic(t) for t in kafka.catalogue_topics()} & topics
    assert all(set(r["operations"]) <= {"Read", "Describe"} for r in rules)
    [group] = [r for r in rules if r["resource"]["type"] == "group"]
    assert group["resource"] == {"type": "group", "name": "integrator-", "patternType": "prefix"}
    assert not any(r["resource"]["type"] == "cluster" for r in rules)


def test_a_private_topic_is_readable_only_by_the_services_that_declare_it():
    for topic in private_topics():
        readers = {name for name, rules in kafka_users().items()
                   if any(r["resource"].get("name") == topic and "Read" in r["operations"] for r in rules)}
        assert readers == {s.name for s in PLATFORM.services if topic in s.consumes}


def test_passwords_are_drawn_once_readable_by_their_owner_only(tmp_path):
    directory = tmp_path / "kafka"
    assert local_kafka.ensure_passwords(directory, ["admin", "identity"]) == ["admin", "identity"]
    first = local_kafka.read_password(directory, "identity")
    assert re.fullmatch(r"[0-9a-f]{48}", first)
    assert local_kafka.ensure_passwords(directory, ["admin", "identity", "notify"]) == ["notify"]
    assert local_kafka.read_password(directory, "identity") == first
    assert stat.S_IMODE((directory / "identity.password").stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_admins_format_credential_is_salted_and_never_the_password():
    salt = b"0123456789abcdef0123456789abcdef"
    credential = local_kafka.format_credential("s3cret-hex", salt)
    expected = hashlib.pbkdf2_hmac("sha512", b"s3cret-hex", salt, local_kafka.ITERATIONS)
    assert credential == (f'SCRAM-SHA-512=[name=admin,salt="{base64.b64encode(salt).decode()}",'
                          f'saltedpassword="{base64.b64encode(expected).decode()}",iterations=8192]')
    assert "s3cret-hex" not in credential


def test_a_service_may_not_take_the_integrators_name():
    import dataclasses

    import pytest

    renamed = dataclasses.replace(PLATFORM.services[0], name=kafka.INTEGRATOR)
    platform = dataclasses.replace(PLATFORM, services=[renamed])
    with pytest.raises(ValueError, match="integrator"):
        kafka.principal_acls(platform)
