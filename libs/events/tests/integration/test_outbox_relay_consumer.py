"""The event mechanisms against the real broker and database."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from ms_events import outbox
from aiokafka.admin import NewTopic

from ms_events.catalogue import CATALOGUE, Event, dead_letter_topic, event
from ms_events.consumer import ConsumerOptions, ConsumerRunner
from ms_events.dlq import replay
from ms_events.envelope import Envelope
from ms_events.kafka import KafkaConfig, make_admin
from ms_events.relay import Relay, RelayOptions



pytestmark = pytest.mark.integration


PROBE_TOPIC = f"test.probe{uuid.uuid4().hex[:8]}.v1"


@event(topic=PROBE_TOPIC, key="probe_id", summary="Test-only event on a topic of this test run.")
class ProbeHappened(Event):
    probe_id: uuid.UUID
    n: int


# Not part of the published catalogue: only while these tests run.
CATALOGUE.pop("ProbeHappened")


@pytest.fixture(scope="module", autouse=True)
def probe_in_catalogue():
    CATALOGUE["ProbeHappened"] = ProbeHappened
    yield
    CATALOGUE.pop("ProbeHappened", None)


@pytest.fixture(scope="module")
async def probe_topic(kafka: KafkaConfig) -> str:
    admin = make_admin(kafka)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(t, 3, 1) for t in (PROBE_TOPIC, dead_letter_topic(PROBE_TOPIC))])
    finally:
        await admin.close()
    return PROBE_TOPIC


async def _read(kafka: KafkaConfig, topic: str, expected: int, timeout: float = 30.0) -> list:
    consumer = AIOKafkaConsumer(topic, **kafka.common(), auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await consumer.start()
    records: list = []
    try:
        async with asyncio.timeout(timeout):
            while len(records) < expected:
                batch = await consumer.getmany(timeout_ms=500)
                for part in batch.values():
                    records.extend(part)
    except TimeoutError:
        pass
    finally:
        await consumer.stop()
    return records


async def _append(pool: asyncpg.Pool, *events) -> list[Envelope]:
    async with pool.acquire() as conn:
        async with conn.transaction():
            return await outbox.append(conn, *events)


async def test_the_outbox_refuses_to_write_outside_a_transaction(pool):
    async with pool.acquire() as conn:
        with pytest.raises(outbox.OutsideTransaction):
            await outbox.append(conn, ProbeHappened(probe_id=uuid.uuid4(), n=0))


async def test_a_rolled_back_change_publishes_nothing(pool):
    probe = ProbeHappened(probe_id=uuid.uuid4(), n=0)
    with pytest.raises(RuntimeError):
        async with pool.acquire() as conn:
            async with conn.transaction():
                await outbox.append(conn, probe)
                raise RuntimeError("domain change failed")
    assert await pool.fetchval("select count(*) from outbox where key = $1", str(probe.probe_id)) == 0


async def test_the_relay_publishes_committed_events_in_order_and_marks_them_sent(pool, schema_dsn, kafka, probe_topic):
    probe_id = uuid.uuid4()
    stop = asyncio.Event()
    relay_task = asyncio.create_task(Relay(schema_dsn, kafka, RelayOptions(batch_size=7)).run(stop))
    try:
        envelopes = []
        for n in range(30):  # separate transactions, one aggregate
            envelopes += await _append(pool, ProbeHappened(probe_id=probe_id, n=n))
        records = [r for r in await _read(kafka, probe_topic, 30) if r.key == str(probe_id).encode()]
    finally:
        stop.set()
        await relay_task
    assert [Envelope.from_bytes(r.value).data["n"] for r in records] == list(range(30))
    assert {Envelope.from_bytes(r.value).id for r in records} == {e.id for e in envelopes}
    unpublished = await pool.fetchval(
        "select count(*) from outbox where key = $1 and published_at is null", str(probe_id))
    assert unpublished == 0


async def test_a_second_relay_waits_as_standby_while_the_first_leads(pool, schema_dsn, kafka, probe_topic):
    stop = asyncio.Event()
    first = asyncio.create_task(Relay(schema_dsn, kafka).run(stop))
    await asyncio.sleep(1.0)
    second_relay = Relay(schema_dsn, kafka)
    conn = await asyncpg.connect(schema_dsn)
    try:
        from ms_events.relay import RELAY_LOCK_ID
        assert await conn.fetchval("select pg_try_advisory_lock($1)", RELAY_LOCK_ID) is False
    finally:
        await conn.close()
        stop.set()
        await first
    assert second_relay is not None


async def _produce(kafka: KafkaConfig, topic: str, key: bytes, *values: bytes) -> None:
    producer = AIOKafkaProducer(**kafka.common(), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


async def _run_consumer(runner: ConsumerRunner, until, timeout: float = 30.0) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        async with asyncio.timeout(timeout):
            while not await until():
                await asyncio.sleep(0.2)
    finally:
        stop.set()
        await task


def _effect_handler(consumer: str, fail_for: set[uuid.UUID] | None = None):
    async def handler(conn, envelope, event):
        if fail_for is not None and event.probe_id in fail_for:
            raise ValueError("handler bug")
        await conn.execute(
            "insert into effect (consumer, event_id, n) values ($1, $2, $3)", consumer, envelope.id, event.n)
    return handler


async def test_a_redelivered_event_has_its_effect_once(pool, kafka, probe_topic):
    probe_id = uuid.uuid4()
    env = Envelope.wrap(ProbeHappened(probe_id=probe_id, n=1))
    await _produce(kafka, probe_topic, str(probe_id).encode(), env.to_bytes(), env.to_bytes(), env.to_bytes())
    group = f"test-dedup-{probe_id.hex[:8]}"
    runner = ConsumerRunner(group, pool, kafka, {ProbeHappened: _effect_handler(group)})
    inbox_count = lambda: pool.fetchval("select count(*) from inbox where event_id = $1", env.id)  # noqa: E731

    async def done() -> bool:
        # All three copies consumed: the group's committed offset passed them.
        return await inbox_count() == 1 and await _committed(kafka, runner.name, probe_topic) >= 3

    await _run_consumer(runner, done)
    assert await pool.fetchval("select count(*) from effect where consumer = $1 and event_id = $2", group, env.id) == 1


async def _committed(kafka: KafkaConfig, group: str, topic: str) -> int:
    admin = make_admin(kafka)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset > 0)


async def test_a_malformed_event_is_dead_lettered_and_the_events_behind_it_are_handled(pool, kafka, probe_topic):
    probe_id = uuid.uuid4()
    key = str(probe_id).encode()  # same key: same partition, right behind the bad one
    good = Envelope.wrap(ProbeHappened(probe_id=probe_id, n=2))
    await _produce(kafka, probe_topic, key, b'{"this is": "not an envelope"}', good.to_bytes())
    group = f"test-dlq-{probe_id.hex[:8]}"
    runner = ConsumerRunner(group, pool, kafka, {ProbeHappened: _effect_handler(group)})

    async def handled() -> bool:
        return bool(await pool.fetchval("select count(*) from effect where consumer = $1 and event_id = $2", group, good.id))

    await _run_consumer(runner, handled)
    # Read the dead-letter topic until this key's message shows up (or 30 s pass).
    dead: list = []
    async with asyncio.timeout(30):
        while not dead:
            dead = [r for r in await _read(kafka, dead_letter_topic(probe_topic), 1_000, timeout=3) if r.key == key]
    assert len(dead) == 1
    headers = dict(dead[0].headers)
    assert headers["dlq.consumer"] == runner.name.encode()
    assert headers["dlq.original_topic"] == probe_topic.encode()
    assert b"MalformedEvent" in headers["dlq.error"]


async def test_a_dead_letter_replayed_after_a_fix_is_handled_once(pool, kafka, probe_topic):
    probe_id = uuid.uuid4()
    env = Envelope.wrap(ProbeHappened(probe_id=probe_id, n=3))
    await _produce(kafka, probe_topic, str(probe_id).encode(), env.to_bytes())
    group = f"test-replay-{probe_id.hex[:8]}"
    options = ConsumerOptions(max_attempts=2, first_backoff_s=0.05)
    broken = ConsumerRunner(group, pool, kafka, {ProbeHappened: _effect_handler(group, fail_for={probe_id})}, options)

    async def consumed() -> bool:
        return await _committed(kafka, group, probe_topic) >= 1

    await _run_consumer(broken, consumed)
    assert await pool.fetchval("select count(*) from effect where consumer = $1 and event_id = $2", group, env.id) == 0

    assert await replay(kafka, probe_topic, consumer=group) >= 1
    fixed = ConsumerRunner(group, pool, kafka, {ProbeHappened: _effect_handler(group)}, options)

    async def handled() -> bool:
        return bool(await pool.fetchval("select count(*) from effect where consumer = $1 and event_id = $2", group, env.id))

    await _run_consumer(fixed, handled)
    assert await pool.fetchval("select count(*) from effect where consumer = $1 and event_id = $2", group, env.id) == 1
