"""Kafka for Kubernetes (Strimzi, API kafka.strimzi.io/v1): the cluster, a KafkaTopic per
catalogue topic and its dead-letter topic, a KafkaUser per service with its ACLs, and the
integrators' KafkaUser.

The same ACLs are what each principal may do on the local broker: ``principal_acls`` is read
by the Strimzi KafkaUsers here and by ``ms_deploy.local_kafka`` (docs/kafka-security.md).
"""

from __future__ import annotations

from ms_deploy.declaration import Platform, Service
from ms_deploy.kubernetes import PART_OF, labels, meta

API = "kafka.strimzi.io/v1"
CLUSTER = "memberspace"
TLS_PORT = 9093  # the cluster's only listener: TLS, SCRAM-SHA-512 (bootstrap: <CLUSTER>-kafka-bootstrap)
LOCAL_BROKER = "127.0.0.1:9092"  # the local stack's broker (deploy/local/bin/kafka-run): SASL/SCRAM-SHA-512, no TLS
DLQ_RETENTION_MS = 1209600000  # 14 days to look at and replay a dead letter
# The integrators' principal (docs/integrators.md): public topics only, its own consumer groups.
INTEGRATOR = "integrator"
INTEGRATOR_GROUP_PREFIX = "integrator-"


def catalogue_topics() -> dict[str, str]:
    """Topic -> the service that publishes it, read from the event catalogue."""
    from ms_events.catalogue import registered

    return {cls.meta().topic: cls.meta().source for cls in registered().values()}


def topic_resource_name(topic: str) -> str:
    return topic.replace(".", "-")


def produced(svc: Service, topics: dict[str, str]) -> list[str]:
    return sorted(t for t, source in topics.items() if source == svc.name)


def acls(svc: Service, topics: dict[str, str]) -> list[dict]:
    """What the service's principal may do: publish its own topics (relay), read what its
    worker consumes as group <service>, and write those topics' dead letters."""
    rules: list[dict] = []

    def allow(kind: str, name: str, operations: list[str]) -> None:
        rules.append({"resource": {"type": kind, "name": name, "patternType": "literal"},
                      "operations": operations, "host": "*"})

    for topic in produced(svc, topics):
        allow("topic", topic, ["Write", "Describe"])
    for topic in svc.consumes:
        allow("topic", topic, ["Read", "Describe"])
        allow("topic", f"{topic}.dlq", ["Write", "Describe"])
    if svc.consumes:
        allow("group", svc.name, ["Read"])
    rules.append({"resource": {"type": "cluster"}, "operations": ["IdempotentWrite"], "host": "*"})
    return rules


def integrator_acls(topics: dict[str, str]) -> list[dict]:
    """What an integrator may do: read the public topics (never a private one, nor a dead-letter
    topic), in consumer groups whose name starts with ``integrator-``. Nothing else."""
    from ms_events.catalogue import is_private

    rules: list[dict] = [
        {"resource": {"type": "topic", "name": topic, "patternType": "literal"},
         "operations": ["Read", "Describe"], "host": "*"}
        for topic in sorted(topics) if not is_private(topic)]
    rules.append({"resource": {"type": "group", "name": INTEGRATOR_GROUP_PREFIX, "patternType": "prefix"},
                  "operations": ["Read"], "host": "*"})
    return rules


def principal_acls(platform: Platform, topics: dict[str, str] | None = None) -> dict[str, list[dict]]:
    """Every principal but the super user, and its ACLs: one per service (named after it,
    ``acls``) and ``integrator`` (``integrator_acls``)."""
    topics = catalogue_topics() if topics is None else topics
    rules = {svc.name: acls(svc, topics) for svc in platform.services}
    if INTEGRATOR in rules:
        raise ValueError(f"a service may not be named {INTEGRATOR!r}: it is the integrators' Kafka principal")
    rules[INTEGRATOR] = integrator_acls(topics)
    return rules


def user(platform: Platform, name: str, rules: list[dict]) -> dict:
    return {"apiVersion": API, "kind": "KafkaUser",
            "metadata": meta(name, platform.namespace, {**labels(name, "kafka-user"),
                                                        "strimzi.io/cluster": CLUSTER}),
            "spec": {"authentication": {"type": "scram-sha-512"},
                     "authorization": {"type": "simple", "acls": rules}}}


def topic(platform: Platform, name: str, config: dict) -> dict:
    return {"apiVersion": API, "kind": "KafkaTopic",
            "metadata": meta(topic_resource_name(name), platform.namespace,
                             {"strimzi.io/cluster": CLUSTER, "app.kubernetes.io/part-of": PART_OF}),
            "spec": {"topicName": name, "partitions": 3, "replicas": 3,
                     "config": {"min.insync.replicas": 2, **config}}}


def topic_documents(platform: Platform) -> list[dict]:
    topics = catalogue_topics()
    declared = {name: cfg for svc in platform.services for name, cfg in svc.topics.items()}
    docs = []
    for name in sorted(topics):
        extra = {key.replace("_", "."): value for key, value in declared.get(name, {}).items()}
        docs.append(topic(platform, name, extra))
        docs.append(topic(platform, f"{name}.dlq", {"retention.ms": DLQ_RETENTION_MS}))
    return docs


def cluster_documents(platform: Platform) -> list[dict]:
    node_pool = {
        "apiVersion": API, "kind": "KafkaNodePool",
        "metadata": meta("dual-role", platform.namespace, {"strimzi.io/cluster": CLUSTER,
                                                          "app.kubernetes.io/part-of": PART_OF}),
        "spec": {"replicas": 3, "roles": ["controller", "broker"],
                 "storage": {"type": "jbod", "volumes": [{
                     "id": 0, "type": "persistent-claim", "size": "20Gi", "deleteClaim": False,
                     "kraftMetadata": "shared"}]}},
    }
    kafka = {
        "apiVersion": API, "kind": "Kafka",
        "metadata": meta(CLUSTER, platform.namespace, {"app.kubernetes.io/part-of": PART_OF}),
        "spec": {
            "kafka": {
                "listeners": [{
                    "name": "tls", "port": TLS_PORT, "type": "internal", "tls": True,
                    # Each service signs in as its own principal (KafkaUser <service>).
                    "authentication": {"type": "scram-sha-512"},
                    # The services trust the system CA store (ms_events.kafka): the listener
                    # presents a certificate from a CA the app image trusts, kept in this
                    # Secret (e.g. cert-manager from the insurer's CA), created outside these files.
                    "configuration": {"brokerCertChainAndKey": {
                        "secretName": "memberspace-kafka-listener-cert",
                        "certificate": "tls.crt", "key": "tls.key"}},
                    # Only the platform's pods reach the brokers.
                    "networkPolicyPeers": [{"podSelector": {"matchLabels": {
                        "app.kubernetes.io/part-of": PART_OF}}}],
                }],
                "authorization": {"type": "simple"},
                "config": {
                    "auto.create.topics.enable": False, "default.replication.factor": 3,
                    "min.insync.replicas": 2, "offsets.topic.replication.factor": 3,
                    "transaction.state.log.replication.factor": 3, "transaction.state.log.min.isr": 2,
                    # A metadata snapshot soon after a KafkaUser is deleted: without one, Kafka
                    # 4.1-4.4 may forget every SCRAM credential on restart (docs/kafka-security.md).
                    "metadata.log.max.snapshot.interval.ms": 60000,
                },
            },
            "entityOperator": {"topicOperator": {}, "userOperator": {}},
        },
    }
    return [node_pool, kafka]


def kafka_documents(platform: Platform) -> list[dict]:
    return [*cluster_documents(platform), *topic_documents(platform),
            *(user(platform, name, rules) for name, rules in principal_acls(platform).items())]
