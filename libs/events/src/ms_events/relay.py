"""The relay: publishes outbox rows to Kafka in order, then marks them sent.

One relay per service database is active at a time (a PostgreSQL advisory lock held on
its working connection); others wait as hot standbys, so rows keep their order. The leader
wakes on the outbox NOTIFY sent at commit (``ms_platform.listen.Listener``, which also wakes
it after a gap in listening), and polls as a safety net. A crash between
publishing and marking republishes the same envelopes (same event ids): consumers' inboxes
make that harmless.

Metrics (``ms_platform.metrics``): rows published and each batch's send-and-ack time; the
leader also refreshes the backlog and the age of its oldest row every ``metrics_every_s``.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from opentelemetry import context

from ms_events.kafka import KafkaConfig, make_producer
from ms_events.outbox import NOTIFY_CHANNEL, envelope_traceparent
from ms_platform.listen import Listener
from ms_platform.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE, OUTBOX_PUBLISHED, RELAY_PUBLISH_SECONDS
from ms_platform.observability import context_from_traceparent, tracing_enabled
from ms_platform.probe import Liveness

log = structlog.get_logger()

RELAY_LOCK_ID = 0x6F7574626F78  # "outbox"


@dataclass(frozen=True)
class RelayOptions:
    batch_size: int = 500
    poll_interval_s: float = 1.0
    max_backoff_s: float = 5.0
    # Published rows are kept a day for investigation, then deleted (they may carry
    # single-use secrets such as confirmation tokens).
    retention_hours: int = 24
    purge_every_s: float = 600.0
    # The backlog gauges are refreshed this often (two index-only queries), not per batch.
    metrics_every_s: float = 10.0
    # Fault injection for the crash tests; refused outside local/test by the caller.
    pause_after_publish_s: float = 0.0


class Relay:
    def __init__(self, dsn: str, kafka: KafkaConfig, options: RelayOptions | None = None, *,
                 service: str = "service", liveness: Liveness | None = None) -> None:
        self._dsn = dsn
        self._kafka = kafka
        self._options = options or RelayOptions()
        self._service = service  # the metrics' service label
        self._liveness = liveness or Liveness()
        # Series shown at 0 from the start, so rates and increases see the first rows too.
        OUTBOX_PUBLISHED.labels(service)
        RELAY_PUBLISH_SECONDS.labels(service)
        self._wake = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.1
        while not stop.is_set():
            try:
                await self._run_as_leader(stop)
                backoff = 0.1
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncio.TimeoutError) as exc:
                log.warning("relay.database_unavailable", error=type(exc).__name__, retry_in_s=backoff)
                self._liveness.beat()  # waiting out an outage is progress; a hung loop is not
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, self._options.max_backoff_s)
        await self._close_producer()

    async def _run_as_leader(self, stop: asyncio.Event) -> None:
        conn = await asyncpg.connect(self._dsn, timeout=5)
        try:
            while not await conn.fetchval("select pg_try_advisory_lock($1)", RELAY_LOCK_ID):
                log.info("relay.standby")
                self._liveness.beat()
                await _sleep_or_stop(stop, 5.0)
                if stop.is_set():
                    return
            log.info("relay.leading")
            async with self._wake_ups():
                next_purge = next_metrics = 0.0
                while not stop.is_set():
                    self._liveness.beat()
                    if time.monotonic() >= next_metrics:
                        await self.refresh_backlog_metrics(conn)
                        next_metrics = time.monotonic() + self._options.metrics_every_s
                    if time.monotonic() >= next_purge:
                        purged = await self.purge_published(conn)
                        if purged:
                            log.info("relay.purged", rows=purged)
                        next_purge = time.monotonic() + self._options.purge_every_s
                    # Cleared before the batch is read, not after: a NOTIFY arriving while the
                    # batch is published (rows committed after the read) wakes the next wait at
                    # once instead of being lost until the poll interval.
                    self._wake.clear()
                    published = await self._publish_batch(conn)
                    if published < self._options.batch_size:
                        await self._wait_for_work(stop)
        finally:
            await conn.close(timeout=2)

    def _wake_ups(self) -> Listener:
        """NOTIFY at commit wakes the leader; so does listening again after a gap (rows may
        have been committed meanwhile). Its own connection: the lock's one is busy publishing."""
        return Listener(self._dsn, [NOTIFY_CHANNEL], lambda _channel, _payload: self._wake.set(),
                        on_listening=lambda _up: self._wake.set())

    async def _wait_for_work(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(waiters, timeout=self._options.poll_interval_s, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def _publish_batch(self, conn: asyncpg.Connection) -> int:
        rows = await conn.fetch(
            "select position, topic, key, event_type, payload from outbox"
            " where published_at is null order by position limit $1",
            self._options.batch_size,
        )
        if not rows:
            return 0
        started = time.perf_counter()
        try:
            await self._send_all(rows)
        except Exception as exc:
            log.warning("relay.publish_failed", error=type(exc).__name__, pending=len(rows))
            await self._close_producer()
            await asyncio.sleep(1.0)
            return 0
        RELAY_PUBLISH_SECONDS.labels(self._service).observe(time.perf_counter() - started)
        if self._options.pause_after_publish_s:
            log.warning("relay.fault_pause_after_publish", rows=len(rows))
            await asyncio.sleep(self._options.pause_after_publish_s)
        await conn.execute(
            "update outbox set published_at = now() where position = any($1::bigint[])",
            [r["position"] for r in rows],
        )
        OUTBOX_PUBLISHED.labels(self._service).inc(len(rows))
        log.info("relay.published", count=len(rows), last_position=rows[-1]["position"])
        return len(rows)

    async def _send_all(self, rows: list[asyncpg.Record]) -> None:
        producer = await self._ensure_producer()
        traced = tracing_enabled()
        futures = []
        for row in rows:
            headers = [("ce_type", row["event_type"].encode()), ("content-type", b"application/cloudevents+json")]
            payload = bytes(row["payload"])
            # The send's PRODUCER span (aiokafka's instrumentation) continues the trace of the
            # request that wrote the row, named by the envelope's traceparent.
            token = context.attach(context_from_traceparent(envelope_traceparent(payload))) if traced else None
            try:
                futures.append(
                    await producer.send(row["topic"], value=payload, key=row["key"].encode(), headers=headers)
                )
            finally:
                if token is not None:
                    context.detach(token)
        await asyncio.gather(*futures)

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = make_producer(self._kafka)
            try:
                await producer.start()
            except Exception:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _close_producer(self) -> None:
        # A fresh producer after any failure avoids the stalled-sequence state (aiokafka #1017).
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                await asyncio.wait_for(producer.stop(), timeout=5)
            except Exception as exc:
                log.warning("relay.producer_close_failed", error=type(exc).__name__)

    async def refresh_backlog_metrics(self, conn: asyncpg.Connection) -> None:
        """``outbox_backlog`` and ``outbox_oldest_unpublished_age_seconds``, from the partial
        index of unpublished rows (the database's clock, the one ``created_at`` was set by)."""
        backlog, age = await conn.fetchrow(
            "select (select count(*) from outbox where published_at is null),"
            " coalesce(extract(epoch from now() - (select created_at from outbox where published_at is null"
            " order by position limit 1)), 0)::float8"
        )
        OUTBOX_BACKLOG.labels(self._service).set(backlog)
        OUTBOX_OLDEST_AGE.labels(self._service).set(max(age, 0.0))

    async def purge_published(self, conn: asyncpg.Connection) -> int:
        """Delete rows published more than ``retention_hours`` ago."""
        result = await conn.execute(
            "delete from outbox where published_at < now() - make_interval(hours => $1)",
            self._options.retention_hours,
        )
        return int(result.split()[-1])


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass


def options_from_env(development: bool) -> RelayOptions:
    pause = float(os.environ.get("RELAY_FAULT_PAUSE_AFTER_PUBLISH_S", "0") or 0)
    if pause and not development:
        raise RuntimeError("RELAY_FAULT_PAUSE_AFTER_PUBLISH_S is for local and test environments only")
    return RelayOptions(pause_after_publish_s=pause)
