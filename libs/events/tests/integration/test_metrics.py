"""The relay's and the consumer runner's metrics, run in-process against the real broker and database."""

from __future__ import annotations

import asyncio
import uuid
from typing import Callable

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import NewTopic
from prometheus_client.parser import text_string_to_metric_families

from ms_events import outbox
from ms_events.catalogue import CATALOGUE, Event, dead_letter_topic, event
from ms_events.consumer import ConsumerOptions, ConsumerRunner
from ms_events.envelope import Envelope
from ms_events.kafka import KafkaConfig, make_admin
from ms_events.relay import Relay, RelayOptions
from ms_platform.metrics import REGISTRY
from ms_platform.probe import Liveness, serve_probe
from ms_platform.testing import eventually, free_port

pytestmark = pytest.mark.integration

RUN = uuid.uuid4().hex[:8]
PUBLISHED_TOPIC = f"test.metered{RUN}.v1"  # the relay test's
CONSUMED_TOPIC = f"test.consumed{RUN}.v1"  # the consumer test's: it counts every record there


@event(topic=PUBLISHED_TOPIC, key="probe_id", summary="Test-only event on a topic of this test run.")
class MeteredProbeHappened(Event):
    probe_id: uuid.UUID
    n: int


@event(topic=CONSUMED_TOPIC, key="probe_id", summary="Test-only event on a topic of this test run.")
class MeteredProbeConsumed(Event):
    probe_id: uuid.UUID
    n: int


TEST_EVENTS = {cls.__name__: cls for cls in (MeteredProbeHappened, MeteredProbeConsumed)}
for _name in TEST_EVENTS:
    CATALOGUE.pop(_name)  # not part of the published catalogue


@pytest.fixture(scope="module", autouse=True)
def metered_in_catalogue():
    CATALOGUE.update(TEST_EVENTS)
    yield
    for name in TEST_EVENTS:
        CATALOGUE.pop(name, None)


@pytest.fixture(scope="module")
async def topics(kafka: KafkaConfig) -> None:
    admin = make_admin(kafka)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(t, 3, 1) for topic in (PUBLISHED_TOPIC, CONSUMED_TOPIC)
                                   for t in (topic, dead_letter_topic(topic))])
    finally:
        await admin.close()


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _group_lag(group: str) -> list[float]:
    """The consumer_lag series of ``group``, one per partition it reports."""
    return [s.value for f in REGISTRY.collect() if f.name == "consumer_lag"
            for s in f.samples if s.labels["group"] == group]


async def _until(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    async def check() -> bool:
        return predicate()

    return await eventually(check, timeout=timeout, interval=interval)


async def test_the_relay_counts_and_times_what_it_publishes_and_reports_the_backlog_it_found(
    pool: asyncpg.Pool, schema_dsn: str, kafka: KafkaConfig, topics: None
):
    service = f"relay{uuid.uuid4().hex[:8]}"
    probe_id = uuid.uuid4()
    async with pool.acquire() as conn:
        async with conn.transaction():
            await outbox.append(conn, *(MeteredProbeHappened(probe_id=probe_id, n=n) for n in range(5)))
        # Every row still waiting in this test schema (ours and any another test left) an hour old.
        await conn.execute("update outbox set created_at = now() - interval '1 hour' where published_at is null")
        backlog = await conn.fetchval("select count(*) from outbox where published_at is null")
    liveness, port, stop = Liveness(), free_port(), asyncio.Event()
    relay = Relay(schema_dsn, kafka, RelayOptions(metrics_every_s=0.5), service=service, liveness=liveness)
    assert REGISTRY.get_sample_value("outbox_published_total", {"service": service}) == 0  # shown from the start
    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(serve_probe(liveness, "127.0.0.1", port, stop))]
    try:
        # The leader's first refresh, before its first batch, found every waiting row.
        assert await _until(lambda: _value("outbox_backlog", service=service) == backlog, timeout=10, interval=0.01)
        assert _value("outbox_oldest_unpublished_age_seconds", service=service) >= 3600
        # Then they were published, and the next refresh found none left.
        assert await _until(lambda: _value("outbox_backlog", service=service) == 0, timeout=10)
        assert _value("outbox_oldest_unpublished_age_seconds", service=service) == 0
        async with httpx.AsyncClient() as client:
            scraped = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert _value("outbox_published_total", service=service) == backlog
    assert _value("relay_publish_seconds_count", service=service) >= 1
    assert 0 < _value("relay_publish_seconds_sum", service=service) < 10
    families = {f.name: f for f in text_string_to_metric_families(scraped)}
    published = [s for s in families["outbox_published"].samples
                 if s.name == "outbox_published_total" and s.labels["service"] == service]
    assert [s.value for s in published] == [backlog]  # the probe server's /metrics shows them too


async def _produce(kafka: KafkaConfig, topic: str, key: bytes, *values: bytes) -> None:
    producer = AIOKafkaProducer(**kafka.common(), enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


async def test_the_consumer_counts_outcomes_and_reports_each_partitions_lag_after_each_poll(
    pool: asyncpg.Pool, kafka: KafkaConfig, topics: None
):
    probe_id = uuid.uuid4()
    key = str(probe_id).encode()  # one key: one partition, in this order
    envelopes = [Envelope.wrap(MeteredProbeConsumed(probe_id=probe_id, n=n)) for n in range(5)]
    await _produce(kafka, CONSUMED_TOPIC, key, *(e.to_bytes() for e in envelopes), b"{not an envelope")
    group = f"test-metrics-{probe_id.hex[:8]}"
    lag_seen: list[float] = []

    async def handler(conn, envelope, event) -> None:
        # What the runner reported after the poll that returned this record.
        lag_seen.append(sum(_group_lag(group)))

    # One record per poll, so the lag moves at each one.
    runner = ConsumerRunner(group, pool, kafka, {MeteredProbeConsumed: handler},
                            ConsumerOptions(batch_records=1), service="metered")
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        assert await _until(lambda: _value("consumer_dead_letters_total", group=group, topic=CONSUMED_TOPIC) == 1,
                            timeout=30)
        # Caught up: every partition it was given reports a lag, all 0.
        assert await _until(lambda: len(_group_lag(group)) == 3 and sum(_group_lag(group)) == 0, timeout=10)
    finally:
        stop.set()
        await task
    assert lag_seen == [5, 4, 3, 2, 1]
    outcomes = {o: _value("consumer_messages_total", service="metered", group=group, topic=CONSUMED_TOPIC, outcome=o)
                for o in ("handled", "duplicate", "ignored", "dead-lettered")}
    assert outcomes == {"handled": 5, "duplicate": 0, "ignored": 0, "dead-lettered": 1}
    # A stopped runner no longer claims to know its partitions' lag.
    assert _group_lag(group) == []
