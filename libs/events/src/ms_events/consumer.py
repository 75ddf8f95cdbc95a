"""Consumer runner: inbox dedup and the handler's effect in one transaction, then the offset.

For each message: decode the envelope; in one database transaction record the event id in
the inbox (a redelivered event stops here) and run the handler; commit; then commit the
Kafka offset of the next message. Infrastructure failures (database or broker away) retry
without limit, since every later message would fail the same way; other failures retry with
backoff a few times, then the message goes to ``<topic>.dlq`` with the error in its headers
and the partition moves on.

The messages a poll returns for a partition are handled, in order, in one transaction (one
inbox insert for all of them, each handler in turn, one commit): a backlog costs one commit
per poll rather than one per message. If anything in that transaction fails, nothing of it
is kept, and the same messages are handled again one transaction each, as above, so a
failing message is retried and dead-lettered on its own.

Metrics (``ms_platform.metrics``): each record's outcome, each dead letter, and after each
poll the lag of every assigned partition (its highwater minus the consumer's position).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Awaitable, Callable, Iterator, NamedTuple, Sequence

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from opentelemetry import trace
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from ms_events.catalogue import Event, dead_letter_topic, model_for
from ms_events.catalogue import topics as catalogue_topics
from ms_events.envelope import Envelope, MalformedEvent
from ms_events.kafka import KafkaConfig, make_consumer, make_producer
from ms_platform.probe import Liveness
from ms_platform.db import is_database_unavailable
from ms_platform.metrics import CONSUMER_DEAD_LETTERS, CONSUMER_LAG, CONSUMER_MESSAGES
from ms_platform.observability import context_from_traceparent

log = structlog.get_logger()
tracer = trace.get_tracer("ms_events.consumer")

Handler = Callable[[asyncpg.Connection, Envelope, Event], Awaitable[None]]
OUTCOMES = ("handled", "duplicate", "ignored", "dead-lettered")


class Unprocessable(Exception):
    """A message that can never succeed: dead-letter it at once."""


def is_infrastructure_failure(exc: BaseException) -> bool:
    return is_database_unavailable(exc) or isinstance(exc, KafkaError)


@dataclass(frozen=True)
class ConsumerOptions:
    max_attempts: int = 5
    first_backoff_s: float = 0.2
    max_backoff_s: float = 10.0
    batch_records: int = 200


class ConsumerRunner:
    """Runs ``handlers`` (event type → handler) for one consumer group."""

    def __init__(
        self,
        name: str,
        pool: asyncpg.Pool,
        kafka: KafkaConfig,
        handlers: dict[type[Event], Handler],
        options: ConsumerOptions | None = None,
        liveness: Liveness | None = None,
        service: str | None = None,
    ) -> None:
        self.name = name
        self._service = service or name  # the metrics' service label; name is the group
        self._lag_reported: set[TopicPartition] = set()
        self._liveness = liveness or Liveness()
        self._pool = pool
        self._kafka = kafka
        self._handlers = {cls.meta().type: handler for cls, handler in handlers.items()}
        self._topics = sorted({cls.meta().topic for cls in handlers})
        self._catalogue_topics = set(catalogue_topics())
        self._options = options or ConsumerOptions()
        self._consumer: AIOKafkaConsumer | None = None
        for topic in self._topics:  # series shown at 0 from the start, so increases see the first one
            CONSUMER_DEAD_LETTERS.labels(name, topic)
            for outcome in OUTCOMES:
                CONSUMER_MESSAGES.labels(self._service, name, topic, outcome)
        self._dlq: AIOKafkaProducer | None = None

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            try:
                await self._start()
                backoff = 0.5
                await self._loop(stop)
            except (KafkaError, OSError) as exc:
                # A consumer stuck after a broker restart (aiokafka #1154) is rebuilt from scratch.
                log.warning("consumer.kafka_error", consumer=self.name, error=type(exc).__name__)
                self._liveness.beat()  # retrying an outage is progress; a hung loop is not
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                await self._stop()

    async def _start(self) -> None:
        self._consumer = make_consumer(self._kafka, self.name, *self._topics)
        self._dlq = make_producer(self._kafka)
        await self._consumer.start()
        await self._dlq.start()
        log.info("consumer.started", consumer=self.name, topics=self._topics)

    async def _stop(self) -> None:
        for client in (self._consumer, self._dlq):
            if client is not None:
                try:
                    await asyncio.wait_for(client.stop(), timeout=10)
                except Exception as exc:
                    log.warning("consumer.stop_failed", error=type(exc).__name__)
        self._consumer = self._dlq = None
        self._report_lag({})  # unknown until the next consumer polls

    async def _loop(self, stop: asyncio.Event) -> None:
        assert self._consumer is not None
        while not stop.is_set():
            batch = await self._consumer.getmany(timeout_ms=500, max_records=self._options.batch_records)
            self._liveness.beat()
            self._report_lag(await partition_lags(self._consumer))
            for tp, records in batch.items():
                done = await self.process_batch(records, stop)
                if done:
                    await self._consumer.commit({tp: records[len(done) - 1].offset + 1})

    async def process(self, record: ConsumerRecord, stop: asyncio.Event | None = None) -> str:
        """Handle one record: 'handled', 'duplicate', 'ignored' or 'dead-lettered'."""
        item = await self._decode(record)
        if isinstance(item, str):
            outcome = item
        else:
            with _scope(item):
                outcome = await self._handle_with_retries(item, stop)
        self._count(record.topic, [outcome])
        return outcome

    async def process_batch(self, records: Sequence[ConsumerRecord], stop: asyncio.Event | None = None) -> list[str]:
        """Handle one partition's records in order, in one transaction where it succeeds.

        Returns the outcome of each record handled, in order: fewer than ``records`` only when
        ``stop`` came first (the offset is committed up to there).
        """
        done = await self._process_batch(records, stop)
        if records:
            self._count(records[0].topic, done)
        return done

    async def _process_batch(self, records: Sequence[ConsumerRecord], stop: asyncio.Event | None) -> list[str]:
        decoded = [await self._decode(record) for record in records]
        items = [item for item in decoded if isinstance(item, _Decoded)]
        if len(items) > 1:
            try:
                outcomes = iter(await self._handle_batch_once(items))
            except Exception as exc:  # nothing was kept: one transaction each, with retries
                log.warning("consumer.batch_failed", consumer=self.name, records=len(items), error=type(exc).__name__)
            else:
                return [next(outcomes) if isinstance(item, _Decoded) else item for item in decoded]
        done: list[str] = []
        for item in decoded:
            if stop is not None and stop.is_set():
                break
            if isinstance(item, str):
                done.append(item)
                continue
            with _scope(item):
                done.append(await self._handle_with_retries(item, stop))
        return done

    def _count(self, topic: str, outcomes: Sequence[str]) -> None:
        for outcome, n in collections.Counter(outcomes).items():
            CONSUMER_MESSAGES.labels(self._service, self.name, topic, outcome).inc(n)

    def _report_lag(self, lags: dict[TopicPartition, int]) -> None:
        for tp, lag in lags.items():
            CONSUMER_LAG.labels(self.name, tp.topic, str(tp.partition)).set(lag)
        for tp in self._lag_reported - lags.keys():  # revoked, or the consumer stopped
            CONSUMER_LAG.remove(self.name, tp.topic, str(tp.partition))
        self._lag_reported = set(lags)

    def _foreign(self, model: type[Event], topic: str) -> bool:
        """A record read on a catalogue topic its type is not published on: a retired version
        left on its old topic, or a private (secret-bearing) type on a public topic, which is
        not trusted. A topic outside the catalogue (a benchmark's own) is the caller's choice."""
        return topic != model.meta().topic and topic in self._catalogue_topics

    async def _decode(self, record: ConsumerRecord) -> "_Decoded | str":
        """The record's envelope, event and handler, or 'ignored', or 'dead-lettered' (done here)."""
        try:
            envelope = Envelope.from_bytes(record.value)
            model = model_for(envelope.type)
            handler = self._handlers.get(envelope.type)
            if handler is None or model is None or self._foreign(model, record.topic):
                return "ignored"
            try:
                event = model.model_validate(envelope.data)
            except ValueError as exc:
                raise Unprocessable(f"{envelope.type} data does not match its schema") from exc
        except (MalformedEvent, Unprocessable) as exc:
            await self._dead_letter(record, exc, attempts=1)
            return "dead-lettered"
        return _Decoded(record, envelope, event, handler)

    async def _handle_batch_once(self, items: Sequence["_Decoded"]) -> list[str]:
        """Every item in one transaction: one inbox insert for all, then each new one's handler."""
        outcomes: list[str] = []
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                new = {row[0] for row in await conn.fetch(
                    "insert into inbox (consumer, event_id, event_type)"
                    " select $1, e.id, e.type from unnest($2::uuid[], $3::text[]) as e(id, type)"
                    " on conflict do nothing returning event_id",
                    self.name, [i.envelope.id for i in items], [i.envelope.type for i in items],
                )}
                for item in items:
                    if item.envelope.id not in new:  # seen before, or earlier in this batch
                        outcomes.append("duplicate")
                        continue
                    new.discard(item.envelope.id)
                    with _scope(item):
                        await item.handler(conn, item.envelope, item.event)
                    outcomes.append("handled")
        for item, outcome in zip(items, outcomes, strict=True):  # once committed
            with structlog.contextvars.bound_contextvars(event_id=str(item.envelope.id), event_type=item.envelope.type):
                log.info("consumer.handled" if outcome == "handled" else "consumer.duplicate_skipped")
        return outcomes

    async def _handle_with_retries(self, item: "_Decoded", stop: asyncio.Event | None) -> str:
        record, envelope, event, handler = item
        attempts = 0
        infra_backoff = self._options.first_backoff_s
        while True:
            attempts += 1
            try:
                return await self._handle_once(envelope, event, handler)
            except Unprocessable as exc:
                await self._dead_letter(record, exc, attempts)
                return "dead-lettered"
            except Exception as exc:
                if is_infrastructure_failure(exc):
                    attempts -= 1
                    log.warning("consumer.infrastructure_unavailable", error=type(exc).__name__, retry_in_s=infra_backoff)
                    if stop is not None and stop.is_set():
                        raise
                    await asyncio.sleep(infra_backoff)
                    infra_backoff = min(infra_backoff * 2, self._options.max_backoff_s)
                    continue
                if attempts >= self._options.max_attempts:
                    await self._dead_letter(record, exc, attempts)
                    return "dead-lettered"
                delay = min(self._options.first_backoff_s * 2 ** (attempts - 1), self._options.max_backoff_s)
                log.warning("consumer.handler_failed", error=type(exc).__name__, attempt=attempts, retry_in_s=delay)
                await asyncio.sleep(delay)

    async def _handle_once(self, envelope: Envelope, event: Event, handler: Handler) -> str:
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                first_time = await conn.fetchval(
                    "insert into inbox (consumer, event_id, event_type) values ($1, $2, $3)"
                    " on conflict do nothing returning true",
                    self.name, envelope.id, envelope.type,
                )
                if not first_time:
                    log.info("consumer.duplicate_skipped")
                    return "duplicate"
                await handler(conn, envelope, event)
        log.info("consumer.handled")
        return "handled"

    async def _dead_letter(self, record: ConsumerRecord, exc: BaseException, attempts: int) -> None:
        assert self._dlq is not None
        reason = f"{type(exc).__name__}: {exc}"[:500]
        cause = exc.__cause__
        headers = list(record.headers or []) + [
            ("dlq.error", reason.encode()),
            ("dlq.error_type", type(cause or exc).__name__.encode()),
            ("dlq.original_topic", record.topic.encode()),
            ("dlq.original_partition", str(record.partition).encode()),
            ("dlq.original_offset", str(record.offset).encode()),
            ("dlq.consumer", self.name.encode()),
            ("dlq.attempts", str(attempts).encode()),
            ("dlq.failed_at", datetime.now(UTC).isoformat().encode()),
        ]
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(lambda e: isinstance(e, KafkaError)),
            wait=wait_exponential(multiplier=0.2, max=5), stop=stop_after_attempt(20), reraise=True,
        ):
            with attempt:
                await self._dlq.send_and_wait(
                    dead_letter_topic(record.topic), value=record.value, key=record.key, headers=headers
                )
        CONSUMER_DEAD_LETTERS.labels(self.name, record.topic).inc()
        log.error(
            "consumer.dead_lettered",
            consumer=self.name, topic=record.topic, partition=record.partition, offset=record.offset,
            error_type=type(cause or exc).__name__,
        )


async def partition_lags(consumer: AIOKafkaConsumer) -> dict[TopicPartition, int]:
    """Highwater minus position of each assigned partition (those fetched from at least once:
    the highwater comes with fetch answers). Both are the *next* offset, so 0 is caught up."""
    lags: dict[TopicPartition, int] = {}
    for tp in consumer.assignment():
        highwater = consumer.highwater(tp)
        if highwater is not None:
            lags[tp] = max(highwater - await consumer.position(tp), 0)
    return lags


class _Decoded(NamedTuple):
    record: ConsumerRecord
    envelope: Envelope
    event: Event
    handler: Handler


def _parent_traceparent(item: _Decoded) -> str | None:
    """The trace an event's processing continues: the relay's PRODUCER span (the ``traceparent``
    aiokafka's instrumentation put in the record's headers), else the envelope's (the request
    that wrote the outbox row: a producer without tracing)."""
    for key, value in item.record.headers or ():
        if key == "traceparent" and value:
            return value.decode("latin-1")
    return item.envelope.traceparent


@contextlib.contextmanager
def _scope(item: _Decoded) -> Iterator[None]:
    """The event's ``process`` CONSUMER span (hand-made: aiokafka's instrumentation has spans for
    receiving only; the handler runs after ``getmany`` returned), a child of the producer's
    span, and the event's ids in every log line."""
    ctx = context_from_traceparent(_parent_traceparent(item))
    record = item.record
    with tracer.start_as_current_span(f"process {record.topic}", context=ctx, kind=trace.SpanKind.CONSUMER) as span:
        if span.is_recording():
            span.set_attributes({
                "messaging.system": "kafka", "messaging.operation.type": "process",
                "messaging.operation.name": "process", "messaging.destination.name": record.topic,
                "messaging.destination.partition.id": str(record.partition),
                "messaging.kafka.offset": record.offset,
                "cloudevents.event_id": str(item.envelope.id), "cloudevents.event_type": item.envelope.type,
            })
        with structlog.contextvars.bound_contextvars(event_id=str(item.envelope.id), event_type=item.envelope.type):
            yield
