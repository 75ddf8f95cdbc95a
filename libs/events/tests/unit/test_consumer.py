"""The consumer runner's decisions, with an in-memory inbox and dead-letter producer."""

import asyncio
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
from aiokafka import ConsumerRecord, TopicPartition

from ms_events.consumer import ConsumerOptions, ConsumerRunner, Unprocessable, partition_lags
from ms_events.envelope import Envelope
from ms_events.events.identity import AccountConfirmed
from ms_events.kafka import KafkaConfig
from ms_platform.metrics import REGISTRY


class FakeConn:
    """The inbox insert (one event, or a batch) and handler effects, kept only at commit."""

    def __init__(self, pool: "FakePool") -> None:
        self.pool = pool
        self.pending: set = set()
        self.effects: list = []

    @asynccontextmanager
    async def transaction(self):
        self.pending, self.effects = set(), []
        self.pool.transactions += 1
        try:
            yield
        except BaseException:
            self.pool.inbox -= self.pending  # rolled back
            raise
        self.pool.effects += self.effects

    async def fetchval(self, sql, consumer, event_id, event_type):
        return True if self._insert(consumer, event_id) else None

    async def fetch(self, sql, consumer, event_ids, event_types):
        return [(event_id,) for event_id in event_ids if self._insert(consumer, event_id)]

    def _insert(self, consumer, event_id) -> bool:
        if (consumer, event_id) in self.pool.inbox:
            return False
        self.pool.inbox.add((consumer, event_id))
        self.pending.add((consumer, event_id))
        return True


class FakePool:
    def __init__(self) -> None:
        self.inbox: set = set()
        self.effects: list = []  # what handlers did, committed
        self.transactions = 0

    @asynccontextmanager
    async def acquire(self):
        yield FakeConn(self)


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, dict]] = []

    async def send_and_wait(self, topic, value, key, headers):
        self.sent.append((topic, value, dict(headers)))


def _record(value: bytes, offset: int = 7) -> ConsumerRecord:
    return ConsumerRecord("identity.account.v1", 0, offset, 0, 0, b"k", value, None, len(value), 0, [])


def _event_bytes() -> bytes:
    return Envelope.wrap(AccountConfirmed(account_id=uuid.uuid4(), confirmed_at=datetime.now(UTC))).to_bytes()


def _runner(handler, max_attempts: int = 3) -> tuple[ConsumerRunner, FakeProducer]:
    runner = ConsumerRunner(
        "notify", FakePool(), KafkaConfig("127.0.0.1:1", "t"), {AccountConfirmed: handler},
        ConsumerOptions(max_attempts=max_attempts, first_backoff_s=0.001, max_backoff_s=0.002),
    )
    dlq = FakeProducer()
    runner._dlq = dlq
    return runner, dlq


async def test_a_redelivered_event_has_no_second_effect():
    calls = []

    async def handler(conn, env, event):
        calls.append(env.id)

    runner, _ = _runner(handler)
    raw = _event_bytes()
    assert await runner.process(_record(raw)) == "handled"
    assert await runner.process(_record(raw, offset=8)) == "duplicate"
    assert len(calls) == 1


async def test_an_event_read_on_a_topic_its_type_is_not_published_on_is_ignored():
    calls = []

    async def handler(conn, env, event):
        calls.append(env.id)

    runner, dlq = _runner(handler)
    raw = _event_bytes()  # AccountConfirmed is published on identity.account.v1
    record = ConsumerRecord("identity.secret.v1", 0, 7, 0, 0, b"k", raw, None, len(raw), 0, [])
    assert await runner.process(record) == "ignored"
    assert calls == [] and dlq.sent == []


async def test_a_malformed_message_goes_to_the_dead_letter_topic_with_the_error_in_headers():
    async def handler(conn, env, event):
        raise AssertionError("never called")

    runner, dlq = _runner(handler)
    assert await runner.process(_record(b"{not json")) == "dead-lettered"
    topic, value, headers = dlq.sent[0]
    assert topic == "identity.account.v1.dlq" and value == b"{not json"
    assert headers["dlq.original_offset"] == b"7" and headers["dlq.consumer"] == b"notify"
    assert b"MalformedEvent" in headers["dlq.error"]


async def test_data_that_does_not_match_the_event_schema_is_dead_lettered_at_once():
    async def handler(conn, env, event):
        raise AssertionError("never called")

    runner, dlq = _runner(handler)
    env = Envelope.wrap(AccountConfirmed(account_id=uuid.uuid4(), confirmed_at=datetime.now(UTC)))
    broken = env.model_copy(update={"data": {"account_id": "not-a-uuid"}})
    assert await runner.process(_record(broken.to_bytes())) == "dead-lettered"
    assert dlq.sent[0][2]["dlq.attempts"] == b"1"


async def test_events_nobody_here_handles_are_skipped():
    runner, dlq = _runner(lambda *a: None)
    runner._handlers.clear()
    assert await runner.process(_record(_event_bytes())) == "ignored" and dlq.sent == []


async def test_a_handler_that_keeps_failing_is_retried_then_dead_lettered():
    attempts = []

    async def handler(conn, env, event):
        attempts.append(1)
        raise ValueError("bug")

    runner, dlq = _runner(handler, max_attempts=3)
    assert await runner.process(_record(_event_bytes())) == "dead-lettered"
    assert len(attempts) == 3 and dlq.sent[0][2]["dlq.attempts"] == b"3"


async def test_an_unprocessable_event_is_not_retried():
    attempts = []

    async def handler(conn, env, event):
        attempts.append(1)
        raise Unprocessable("contact unknown")

    runner, dlq = _runner(handler)
    assert await runner.process(_record(_event_bytes())) == "dead-lettered" and len(attempts) == 1


async def test_a_database_outage_is_waited_out_without_dead_lettering():
    attempts = []

    async def handler(conn, env, event):
        attempts.append(1)
        if len(attempts) <= 5:
            raise asyncpg.exceptions.CannotConnectNowError("starting up")

    runner, dlq = _runner(handler, max_attempts=2)
    assert await runner.process(_record(_event_bytes())) == "handled"
    assert len(attempts) == 6 and dlq.sent == []


async def test_the_records_of_one_poll_are_handled_in_order_in_one_transaction():
    async def handler(conn, env, event):
        conn.effects.append(env.id)

    runner, dlq = _runner(handler)
    first, second = _event_bytes(), _event_bytes()
    records = [_record(first, 1), _record(b"{not json", 2), _record(second, 3), _record(first, 4)]

    assert await runner.process_batch(records) == ["handled", "dead-lettered", "handled", "duplicate"]
    assert runner._pool.transactions == 1
    assert runner._pool.effects == [Envelope.from_bytes(first).id, Envelope.from_bytes(second).id]
    assert [d[2]["dlq.original_offset"] for d in dlq.sent] == [b"2"]


async def test_a_failure_in_a_polls_transaction_keeps_nothing_and_each_record_is_handled_on_its_own():
    bad = _event_bytes()
    bad_id = Envelope.from_bytes(bad).id

    async def handler(conn, env, event):
        conn.effects.append(env.id)
        if env.id == bad_id:
            raise ValueError("bug")

    runner, dlq = _runner(handler, max_attempts=2)
    good, other = _event_bytes(), _event_bytes()
    records = [_record(good, 1), _record(bad, 2), _record(other, 3)]

    assert await runner.process_batch(records) == ["handled", "dead-lettered", "handled"]
    # The poll's transaction kept nothing, so each good event had its effect exactly once.
    assert runner._pool.effects == [Envelope.from_bytes(good).id, Envelope.from_bytes(other).id]
    assert [d[2]["dlq.original_offset"] for d in dlq.sent] == [b"2"]


async def test_a_stop_during_one_by_one_handling_ends_the_poll_where_it_is():
    stop = asyncio.Event()

    async def handler(conn, env, event):
        stop.set()
        raise ValueError("bug")  # the poll's transaction fails: one by one, then the stop

    runner, _ = _runner(handler, max_attempts=1)
    records = [_record(_event_bytes(), 1), _record(_event_bytes(), 2)]
    assert await runner.process_batch(records, stop) == []


def _metered_runner(handler, max_attempts: int = 1) -> ConsumerRunner:
    group = f"group{uuid.uuid4().hex[:8]}"  # the registry is the process's: each test its own series
    runner = ConsumerRunner(
        group, FakePool(), KafkaConfig("127.0.0.1:1", "t"), {AccountConfirmed: handler},
        ConsumerOptions(max_attempts=max_attempts, first_backoff_s=0.001, max_backoff_s=0.002), service="notify",
    )
    runner._dlq = FakeProducer()
    return runner


def _messages(runner: ConsumerRunner, outcome: str) -> float | None:
    return REGISTRY.get_sample_value("consumer_messages_total", {
        "service": "notify", "group": runner.name, "topic": "identity.account.v1", "outcome": outcome})


async def test_each_records_outcome_is_counted_by_service_group_topic_and_outcome():
    async def handler(conn, env, event):
        conn.effects.append(env.id)

    runner = _metered_runner(handler)
    assert [_messages(runner, o) for o in ("handled", "duplicate", "dead-lettered", "ignored")] == [0, 0, 0, 0]
    first, second = _event_bytes(), _event_bytes()
    await runner.process_batch([_record(first, 1), _record(b"{not json", 2), _record(second, 3), _record(first, 4)])
    await runner.process(_record(second, 5))
    runner._handlers.clear()
    await runner.process(_record(_event_bytes(), 6))

    assert [_messages(runner, o) for o in ("handled", "duplicate", "dead-lettered", "ignored")] == [2, 2, 1, 1]


async def test_a_dead_letter_is_counted_once_for_its_group_and_topic_whatever_the_attempts():
    async def handler(conn, env, event):
        raise ValueError("bug")

    runner = _metered_runner(handler, max_attempts=3)
    await runner.process(_record(_event_bytes()))
    labels = {"group": runner.name, "topic": "identity.account.v1"}
    assert REGISTRY.get_sample_value("consumer_dead_letters_total", labels) == 1
    assert _messages(runner, "dead-lettered") == 1


class FakeKafkaConsumer:
    """aiokafka's consumer as the loop sees it: each poll has its assignment, highwaters (None
    until a partition was fetched from), positions and records; the last poll sets ``stop``."""

    def __init__(self, polls: list[dict], stop: asyncio.Event) -> None:
        self.polls, self.stop, self.poll = polls, stop, {}
        self.committed: list[dict] = []

    async def getmany(self, timeout_ms: int, max_records: int) -> dict:
        self.poll = self.polls.pop(0)
        if not self.polls:
            self.stop.set()
        return self.poll.get("records", {})

    def assignment(self) -> set:
        return set(self.poll["positions"])

    def highwater(self, tp: TopicPartition) -> int | None:
        return self.poll["highwaters"].get(tp)

    async def position(self, tp: TopicPartition) -> int:
        return self.poll["positions"][tp]

    async def commit(self, offsets: dict) -> None:
        self.committed.append(offsets)


def _lag(runner: ConsumerRunner, partition: int) -> float | None:
    return REGISTRY.get_sample_value("consumer_lag", {
        "group": runner.name, "topic": "identity.account.v1", "partition": str(partition)})


async def test_the_lag_of_a_partition_is_its_highwater_minus_the_position_once_it_was_fetched_from():
    p0, p1, p2 = (TopicPartition("identity.account.v1", n) for n in range(3))
    consumer = FakeKafkaConsumer([{"positions": {p0: 40, p1: 7, p2: 0}, "highwaters": {p0: 52, p1: 7}}],
                                 asyncio.Event())
    await consumer.getmany(timeout_ms=0, max_records=1)
    assert await partition_lags(consumer) == {p0: 12, p1: 0}  # p2 not fetched from yet: unknown


async def test_each_poll_reports_the_lag_of_the_assigned_partitions_and_drops_the_revoked_ones():
    p0, p1 = TopicPartition("identity.account.v1", 0), TopicPartition("identity.account.v1", 1)
    runner = _metered_runner(lambda *a: None)
    stop = asyncio.Event()
    runner._consumer = FakeKafkaConsumer([
        {"positions": {p0: 3, p1: 10}, "highwaters": {p0: 8, p1: 10}},
        {"positions": {p0: 8}, "highwaters": {p0: 9}},  # p1 went to another member of the group
    ], stop)

    await runner._loop(stop)

    assert (_lag(runner, 0), _lag(runner, 1)) == (1, None)


async def test_each_poll_reports_lag_and_counts_the_outcomes_of_the_records_it_returned():
    tp = TopicPartition("identity.account.v1", 0)

    async def handler(conn, env, event):
        conn.effects.append(env.id)

    runner = _metered_runner(handler)
    stop = asyncio.Event()
    records = [_record(_event_bytes(), 20), _record(_event_bytes(), 21)]
    runner._consumer = consumer = FakeKafkaConsumer(
        [{"positions": {tp: 22}, "highwaters": {tp: 30}, "records": {tp: records}}], stop)

    await runner._loop(stop)

    assert _lag(runner, 0) == 8
    assert _messages(runner, "handled") == 2
    assert consumer.committed == [{tp: 22}]
