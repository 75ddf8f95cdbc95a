"""The local broker's client authentication and ACLs (docs/kafka-security.md), on the running
stack: nobody reads or writes without signing in, each principal may do what its declaration
needs and nothing else, the integrators read public topics only, and each process of a service
holds its own principal's credentials only.

Reads are proven by the broker's answer to a Fetch (aiokafka's protocol, outside any consumer
group) and, for the integrators' groups, by confluent-kafka's consumer; the tests never write a
record on a platform topic nor join a service's group, so they cannot disturb the services
(what a principal may write is asked of the broker: its authorized operations, and one refused
produce).
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import GroupAuthorizationFailedError, TopicAuthorizationFailedError
from aiokafka.protocol.fetch import FetchRequest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicCollection
from confluent_kafka.admin import AdminClient

from ms_deploy import declaration, kafka, local_kafka
from ms_events.catalogue import dead_letter_topic, private_readers, private_topics, public_topics
from ms_events.kafka import KafkaConfig, make_admin
from ms_events.topics import all_topics
from ms_platform.testing import kafka_password, setting

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[4]
PLATFORM = declaration.load()
RUN = uuid.uuid4().hex[:8]


def bootstrap() -> str:
    return setting("KAFKA_BOOTSTRAP_SERVERS")


def client_config(principal: str | None, password: str | None = None, **extra) -> dict:
    config = {"bootstrap.servers": bootstrap(), "client.id": f"acl-test-{RUN}", "log_level": 0, **extra}
    if principal is None:
        return config  # plain text, no sign-in
    return {**config, "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.username": principal,
            "sasl.password": kafka_password(principal) if password is None else password}


def sign_in_errors(config: dict) -> tuple[bool, set[int]]:
    """(whether the broker served metadata, the error codes librdkafka reported)."""
    errors: list[KafkaError] = []
    admin = AdminClient({**config, "error_cb": errors.append})
    try:
        admin.list_topics(timeout=5)
        served = True
    except KafkaException:
        served = False
    admin.poll(0.5)
    return served, {e.code() for e in errors}


async def fetch_error(principal: str, topic: str) -> int:
    """The error code the broker answers a Fetch of ``topic``'s first partition from offset 0 by
    ``principal`` (0: served). A bare Fetch, outside any consumer group: nothing is joined or
    committed, so a service's running worker is not disturbed."""
    config = KafkaConfig(bootstrap(), f"acl-test-{RUN}", "SASL_PLAINTEXT", "SCRAM-SHA-512", principal,
                         kafka_password(principal))
    client = AIOKafkaClient(**config.common())
    await client.bootstrap()
    try:
        request = FetchRequest(max_wait_time=100, min_bytes=1, max_bytes=1 << 16,
                               isolation_level=1, topics=[(topic, [(0, 0, 1 << 16)])])
        response = await client.send(client.get_random_node(), request)
        [(name, [partition])] = response.topics
        assert name == topic
        return partition[1]
    finally:
        await client.close()


async def group_offsets_error(principal: str, group: str) -> int | None:
    """Ask for ``group``'s committed offsets as ``principal``: None when answered, else the error."""
    admin = make_admin(KafkaConfig(bootstrap(), f"acl-test-{RUN}", "SASL_PLAINTEXT", "SCRAM-SHA-512",
                                   principal, kafka_password(principal)))
    await admin.start()
    try:
        await admin.list_consumer_group_offsets(group)
        return None
    except GroupAuthorizationFailedError as exc:
        return exc.errno
    finally:
        await admin.close()


def group_read_error(principal: str, topic: str, group: str) -> int | None:
    """Read ``topic`` in consumer group ``group`` as ``principal`` (confluent-kafka): None when the
    broker served records or the partitions' end, else the error code it answered."""
    consumer = Consumer(client_config(principal, **{
        "group.id": group, "enable.auto.commit": False, "enable.partition.eof": True,
        "auto.offset.reset": "earliest"}))
    try:
        consumer.subscribe([topic])
        for _ in range(60):
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error() is None or message.error().code() == KafkaError._PARTITION_EOF:
                return None
            return message.error().code()
        raise AssertionError(f"no answer for {principal} reading {topic} in group {group} in 30 s")
    finally:
        consumer.close()


def authorized(principal: str, topics: list[str]) -> dict[str, set[str]]:
    """The operations the broker says ``principal`` may perform on each topic."""
    admin = AdminClient(client_config(principal))
    answers = {}
    for topic in topics:  # one at a time: a topic it may not even describe fails on its own
        future = admin.describe_topics(TopicCollection([topic]), request_timeout=15,
                                       include_authorized_operations=True)[topic]
        try:
            answers[topic] = {op.name for op in future.result().authorized_operations or []}
        except KafkaException as exc:
            assert exc.args[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, (principal, topic, exc)
            answers[topic] = set()
    return answers


def declared(name: str):
    return PLATFORM.service(name)


# --- sign-in ---------------------------------------------------------------------------------

def test_a_client_without_credentials_gets_nothing_from_the_broker():
    assert sign_in_errors(client_config("admin")) == (True, set())  # the same client, signed in: served
    served, _ = sign_in_errors(client_config(None))
    assert not served


def test_a_wrong_password_is_refused_at_sign_in():
    served, errors = sign_in_errors(client_config("contracts", password="not-" + kafka_password("contracts")))
    assert not served
    assert KafkaError._AUTHENTICATION in errors


def test_an_unknown_principal_is_refused_at_sign_in():
    served, errors = sign_in_errors(client_config("nobody", password=uuid.uuid4().hex))
    assert not served and KafkaError._AUTHENTICATION in errors


# --- the ACLs are the declarations' ----------------------------------------------------------

def test_the_brokers_acls_of_each_principal_are_exactly_those_of_its_strimzi_kafka_user():
    admin = local_kafka.admin_client(bootstrap(), kafka_password("admin"))
    wanted = local_kafka.desired_bindings(PLATFORM)
    have = local_kafka.current_bindings(admin)
    for principal, rules in kafka.principal_acls(PLATFORM).items():
        assert local_kafka.bindings(principal, rules) == wanted[principal]
        assert {b for b in have if b.principal == principal} == wanted[principal], \
            f"{principal}: the broker's ACLs are not the declarations' (a declaration changed since make up?)"


def test_apply_removes_an_acl_the_declarations_do_not_give_and_changes_nothing_else():
    admin = local_kafka.admin_client(bootstrap(), kafka_password("admin"))
    stray = local_kafka.Binding("contracts", "TOPIC", f"acl-test-{RUN}.v1", "LITERAL", "READ")
    admin.create_acls([local_kafka._acl(stray)])[local_kafka._acl(stray)].result(timeout=30)
    assert stray in local_kafka.current_bindings(admin)
    local_kafka.apply(PLATFORM, ROOT, bootstrap())
    have = local_kafka.current_bindings(admin)
    assert stray not in have
    wanted = local_kafka.desired_bindings(PLATFORM)
    assert {b for b in have if b.principal in wanted} == set().union(*wanted.values())
    assert local_kafka.apply(PLATFORM, ROOT, bootstrap()).endswith("ACLs added 0, removed 0")


# --- what contracts may not do ---------------------------------------------------------------

async def test_contracts_cannot_read_a_topic_it_has_no_read_acl_on():
    readable = set(declared("contracts").consumes)
    assert "identity.secret.v1" in all_topics() and "identity.secret.v1" not in readable
    for topic in ["identity.secret.v1", *sorted(set(all_topics()) - readable - {"identity.secret.v1"})]:
        assert await fetch_error("contracts", topic) == TopicAuthorizationFailedError.errno, topic
    for topic in readable:  # the same request on what it may read is served
        assert await fetch_error("contracts", topic) == 0, topic


def test_contracts_cannot_write_identitys_topics():
    identity_topics = [t for t in all_topics() if t.startswith("identity.") and not t.endswith(".dlq")]
    assert identity_topics
    for topic in identity_topics:
        assert "WRITE" not in authorized("contracts", [topic])[topic]
        producer = Producer(client_config("contracts", **{"message.timeout.ms": 10000}))
        delivered: list[KafkaError | None] = []
        producer.produce(topic, b"must not land", on_delivery=lambda err, _msg: delivered.append(err))
        producer.flush(15)
        assert [e.code() for e in delivered if e is not None] == [KafkaError.TOPIC_AUTHORIZATION_FAILED], topic


# --- the integrators' principal --------------------------------------------------------------

async def test_the_integrator_principal_cannot_read_a_private_topic():
    assert "identity.secret.v1" in private_topics()
    for topic in private_topics():
        assert await fetch_error("integrator", topic) == TopicAuthorizationFailedError.errno, topic
        assert group_read_error("integrator", topic, f"integrator-acl-{RUN}") == \
            KafkaError.TOPIC_AUTHORIZATION_FAILED, topic


async def test_the_integrator_principal_reads_every_public_topic_in_a_group_of_its_own():
    for topic in public_topics():
        assert await fetch_error("integrator", topic) == 0, topic
    assert group_read_error("integrator", "identity.account.v1", f"integrator-acl-{RUN}") is None


async def test_the_integrator_principal_may_not_use_another_group_nor_read_dead_letters():
    assert group_read_error("integrator", "identity.account.v1", f"notify-{RUN}") == \
        KafkaError.GROUP_AUTHORIZATION_FAILED
    assert await fetch_error("integrator", dead_letter_topic("identity.account.v1")) == \
        TopicAuthorizationFailedError.errno
    ops = authorized("integrator", public_topics())
    assert all(o <= {"READ", "DESCRIBE"} for o in ops.values())


# --- what each service needs -----------------------------------------------------------------

@pytest.mark.parametrize("service", [s.name for s in PLATFORM.services])
async def test_each_service_principal_may_do_what_its_declaration_needs_and_no_more(service):
    svc = declared(service)
    produced = kafka.produced(svc, kafka.catalogue_topics())
    ops = authorized(service, sorted(all_topics()))
    for topic, allowed in ops.items():
        expected = set()
        if topic in produced:
            expected |= {"WRITE", "DESCRIBE"}
        if topic in svc.consumes:
            expected |= {"READ", "DESCRIBE"}
        if topic.removesuffix(".dlq") in svc.consumes and topic.endswith(".dlq"):
            expected |= {"WRITE", "DESCRIBE"}
        assert allowed == expected, (service, topic)
    for topic in svc.consumes:  # and it really reads them, without joining its worker's group
        assert await fetch_error(service, topic) == 0, (service, topic)
    if svc.consumes:  # its worker's group (named after it) and no other: its committed offsets
        assert await group_offsets_error(service, service) is None
    assert await group_offsets_error(service, f"integrator-{RUN}") == GroupAuthorizationFailedError.errno


def test_a_private_topic_is_read_only_by_its_declared_readers():
    for topic in private_topics():
        for svc in PLATFORM.services:
            reads = "READ" in authorized(svc.name, [topic])[topic]
            assert reads == (topic in svc.consumes), (svc.name, topic)
            assert not reads or svc.name in private_readers(topic), (svc.name, topic)


# --- each process holds its own credentials only ----------------------------------------------

def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode(errors="replace").partition("=")[::2] for item in raw if b"=" in item)


def test_each_service_process_signs_in_as_its_service_and_holds_no_other_password():
    supervisorctl = [str(ROOT / ".venv" / "bin" / "supervisorctl"), "-c", str(ROOT / "var" / "supervisord.conf")]
    passwords = {p: kafka_password(p) for p in local_kafka.principals(PLATFORM)}
    checked = 0
    for svc in PLATFORM.services:
        for kind in svc.processes:
            pid = subprocess.run([*supervisorctl, "pid", f"{svc.name}-{kind}"], capture_output=True, text=True).stdout
            if not pid.strip().isdigit() or pid.strip() == "0":
                continue  # not running now (another test stopped it)
            env = _environ(int(pid))
            assert env.get("KAFKA_SASL_USERNAME") == svc.name, f"{svc.name}-{kind}"
            assert env.get("KAFKA_SASL_PASSWORD") == passwords[svc.name], f"{svc.name}-{kind}"
            others = {p for p, pw in passwords.items() if p != svc.name and any(pw in v for v in env.values())}
            assert not others, f"{svc.name}-{kind} holds the Kafka password of {others}"
            checked += 1
    assert checked >= len(PLATFORM.services)


def test_with_env_gives_a_command_the_named_principal_only(tmp_path):
    out = subprocess.run([str(ROOT / "deploy" / "local" / "bin" / "with-env"), "--kafka-principal", "notify", "env"],
                         capture_output=True, text=True, check=True,
                         env={k: v for k, v in os.environ.items() if not k.startswith("KAFKA_SASL_")}).stdout
    env = dict(line.partition("=")[::2] for line in out.splitlines() if "=" in line)
    assert env["KAFKA_SASL_USERNAME"] == "notify" and env["KAFKA_SASL_PASSWORD"] == kafka_password("notify")
    assert kafka_password("admin") not in out
