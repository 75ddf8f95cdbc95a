"""Benchmark of notify: messages sent per second against the smallest program with the same guarantees.

    .venv/bin/python bench/notify_bench.py        (the local stack's PostgreSQL and Kafka must be up)

Both sides read the same number of sign-up confirmation events (ConfirmationEmailRequested,
which identity publishes with AccountCreated on its private topic) from a Kafka topic of their own
(created for the run on the stack's broker, deleted afterwards) and send one email per event
to the same SMTP sink (aiosmtpd in a child process, as the stack's mailsink), so both pay for
Kafka, PostgreSQL and SMTP alike:

(a) Baseline, the smallest program that keeps NT-2's guarantees: an aiokafka consumer
(manual offset commit after the work), and for each record in turn one asyncpg transaction
with the inbox row and the delivery dedup row, then the message sent on a kept-open
aiosmtplib connection, then the sent mark committed: one message at risk at a time. No
templates, no contact projection, no outbox, a fixed small message.
(b) Notify, as its worker runs: ConsumerRunner's own loop (``run``: getmany, process_batch,
offset commits) with notify's handlers (decoding, inbox, contact projection, Jinja2 rendering,
delivery rows, wake-up), pointed at the bench topic, and concurrently the dispatcher loops
(NOTIFY_DISPATCH_CONCURRENCY) sending through SMTP and marking each message sent with its
NotificationSent in the outbox; timed until the last mark commits.

Where the rest goes: notify's consumer side alone (the same loop with no dispatcher) and its
dispatcher alone (the deliveries already written) are timed too, in the same round.
Event loop (uvloop), logging (JSON lines, to a file) and tracing are set up as the worker's.
Everything runs on empty copies of notify's tables in a private schema (dropped afterwards),
with the stack's notify worker and relay paused, BENCH_NOTIFY_ROUNDS times (default 3); the
median of the rounds' ratios (b)/(a) is the point (target >= 0.7). Writes
bench/results/notify-<time>.json and bench/results/notify-latest.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import conftest  # noqa: E402,F401  (loads var/local.env)

import asyncpg  # noqa: E402
import structlog  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

import aiosmtplib  # noqa: E402
from aiokafka.admin import NewTopic  # noqa: E402

from ms_events.consumer import ConsumerOptions, ConsumerRunner  # noqa: E402
from ms_events.envelope import Envelope  # noqa: E402
from ms_events.kafka import KafkaConfig, make_admin, make_consumer, make_producer  # noqa: E402
from ms_events.events.identity import ConfirmationEmailRequested  # noqa: E402
from ms_platform.db import create_pool  # noqa: E402
from ms_platform.observability import configure_logging, configure_tracing  # noqa: E402
from ms_platform.testing import eventually, free_port  # noqa: E402
from notify.adapters.sending import ChannelRouter  # noqa: E402
from notify.adapters.smtp import SmtpConfig, SmtpSender  # noqa: E402
from notify.adapters.templates import TemplateRenderer  # noqa: E402
from notify.app.dispatcher import Dispatcher  # noqa: E402
from notify.app.handlers import NotifyHandlers  # noqa: E402
from notify.domain.messages import Brand  # noqa: E402
from notify.domain.model import RetryPolicy, message_id  # noqa: E402
from notify.entrypoints.worker import subscriptions  # noqa: E402
from notify.settings import NotifySettings  # noqa: E402

log = structlog.get_logger()
RESULTS = ROOT / "bench" / "results"
EVENTS = int(os.environ.get("BENCH_NOTIFY_EVENTS", "2000"))
ROUNDS = int(os.environ.get("BENCH_NOTIFY_ROUNDS", "3"))
CONSUMER = "notify-bench"
PARTITIONS = int(os.environ.get("KAFKA_TOPIC_PARTITIONS", "3"))  # as the stack's topics


class CountingHandler:
    def __init__(self, count) -> None:
        self.count = count  # a multiprocessing.Value the bench reads

    async def handle_DATA(self, server, session, envelope):
        with self.count.get_lock():
            self.count.value += 1
        return "250 OK"


def run_sink(port: int, count, ready, stop) -> None:
    """The SMTP sink's process: accepts every message and counts it."""
    controller = Controller(CountingHandler(count), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class Sink:
    """An aiosmtpd server in a child process; ``count`` is how many messages it accepted."""

    def __init__(self, port: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._count, self._ready, self._stop = ctx.Value("i", 0), ctx.Event(), ctx.Event()
        self._process = ctx.Process(target=run_sink, args=(port, self._count, self._ready, self._stop), daemon=True)

    @property
    def count(self) -> int:
        return self._count.value

    def __enter__(self) -> "Sink":
        self._process.start()
        if not self._ready.wait(30):
            raise RuntimeError("the SMTP sink did not start")
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._process.join(10)


def make_events(n: int) -> list[tuple[Envelope, ConfirmationEmailRequested]]:
    now = datetime.now(UTC)
    out = []
    for i in range(n):
        event = ConfirmationEmailRequested(
            account_id=uuid.uuid4(), kind="member", email=f"b{i}-{uuid.uuid4().hex[:6]}@bench.example.org",
            first_name="Bench", last_name=f"N{i}", reason="sign_up", confirmation_token=uuid.uuid4().hex,
            confirmation_expires_at=now + timedelta(hours=48), requested_at=now)
        out.append((Envelope.wrap(event), event))
    return out


BASELINE_MESSAGE = (b"From: bench@mutuelle.example\r\nTo: {to}\r\nSubject: Confirmez votre adresse\r\n"
                    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                    b"Bonjour,\r\nconfirmez votre adresse e-mail.\r\n")


async def baseline(pool, topic: str, port: int) -> float:
    """(a): consume, dedup in one transaction, send on a kept-open connection, commit the sent mark; one at a time."""
    consumer = make_consumer(KafkaConfig.from_env("notify-bench"), f"{topic}-a", topic)
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=10)
    await consumer.start()
    await smtp.connect()
    sent, start = 0, time.perf_counter()
    try:
        while sent < EVENTS:
            batch = await consumer.getmany(timeout_ms=500, max_records=ConsumerOptions().batch_records)
            for tp, records in batch.items():
                for record in records:
                    sent += await _baseline_one(pool, smtp, json.loads(record.value))
                await consumer.commit({tp: records[-1].offset + 1})
    finally:
        elapsed = time.perf_counter() - start
        await smtp.quit()
        await consumer.stop()
    return elapsed


async def _baseline_one(pool, smtp, envelope: dict) -> int:
    data, delivery_id = envelope["data"], uuid.uuid4()
    async with pool.acquire() as conn:
        async with conn.transaction():
            fresh = await conn.fetchval("insert into inbox (consumer, event_id, event_type) values ($1, $2, $3)"
                                        " on conflict do nothing returning true", CONSUMER, uuid.UUID(envelope["id"]),
                                        envelope["type"])
            if not fresh:
                return 0
            await conn.execute(
                """insert into delivery (id, source_event_id, channel, template, account_id, recipient, subject,
                       body_text, body_html, message_id)
                   values ($1, $2, 'email', 'bench', $3, $4, 's', 't', 'h', $5)
                   on conflict (source_event_id, channel) do nothing""",
                delivery_id, uuid.UUID(envelope["id"]), uuid.UUID(data["account_id"]), data["email"],
                message_id(uuid.UUID(envelope["id"]), "email"))
        await smtp.sendmail("bench@mutuelle.example", [data["email"]],
                            BASELINE_MESSAGE.replace(b"{to}", data["email"].encode()))
        await conn.execute("update delivery set status = 'sent', sent_at = now() where id = $1", delivery_id)
    return 1


def notify_parts(pool, port: int):
    settings = NotifySettings()  # the worker's defaults (and var/local.env)
    handlers = NotifyHandlers(TemplateRenderer(), Brand("Mutuelle Exemple", "01 23 45 67 89", "http://127.0.0.1:8080"))
    smtp = SmtpSender(SmtpConfig("127.0.0.1", port, "bench@mutuelle.example", timeout_s=10),
                      connections=settings.dispatch_concurrency)
    dispatcher = Dispatcher(pool, ChannelRouter({"email": smtp}), RetryPolicy(), batch_size=settings.dispatch_batch_size,
                            poll_interval_s=settings.dispatch_poll_interval_s, concurrency=settings.dispatch_concurrency)
    return handlers, smtp, dispatcher


def consumer_on(pool, topic: str, handlers) -> ConsumerRunner:
    """The worker's ConsumerRunner, its loop and all, reading the bench topic instead of identity's."""
    runner = ConsumerRunner(f"{topic}-b", pool, KafkaConfig.from_env("notify-bench"), subscriptions(handlers))
    runner._topics = [topic]
    return runner


async def through_notify(pool, topic: str, port: int, with_dispatcher: bool = True) -> float:
    """(b), as the worker runs: the consumer loop and the dispatcher loops concurrently, timed
    until the last delivery's sent mark (and its NotificationSent) is committed. Without the
    dispatcher: the consumer side alone, until every delivery row is written."""
    handlers, smtp, dispatcher = notify_parts(pool, port)
    runner = consumer_on(pool, topic, handlers)
    status = "sent" if with_dispatcher else "pending"
    stop = asyncio.Event()
    start = time.perf_counter()
    tasks = [asyncio.create_task(runner.run(stop))]
    if with_dispatcher:
        tasks.append(asyncio.create_task(dispatcher.run(stop)))

    async def done() -> bool:
        return await pool.fetchval("select count(*) from delivery where status = $1", status) >= EVENTS

    await eventually(done, timeout=300, interval=0.01)
    elapsed = time.perf_counter() - start
    stop.set()
    await asyncio.gather(*tasks)
    await smtp.close()
    return elapsed


async def dispatch_only(pool, port: int) -> float:
    """Notify's dispatcher alone, on the deliveries the consumer side has written."""
    _, smtp, dispatcher = notify_parts(pool, port)
    stop = asyncio.Event()
    start = time.perf_counter()
    task = asyncio.create_task(dispatcher.run(stop))

    async def done() -> bool:
        return await pool.fetchval("select count(*) from delivery where status = 'sent'") >= EVENTS

    await eventually(done, timeout=300, interval=0.01)
    elapsed = time.perf_counter() - start
    stop.set()
    await task
    await smtp.close()
    return elapsed


@contextlib.asynccontextmanager
async def bench_topics(names: list[str]):
    """Topics of the bench's own on the stack's broker, deleted afterwards."""
    config = KafkaConfig.from_env("notify-bench")
    admin = make_admin(config)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, num_partitions=PARTITIONS, replication_factor=1) for n in names])
        yield
    finally:
        await admin.delete_topics(names)
        await admin.close()


async def produce(topic: str, events) -> None:
    producer = make_producer(KafkaConfig.from_env("notify-bench"))
    await producer.start()
    try:
        sent = [await producer.send(topic, envelope.to_bytes(), key=event.key().encode()) for envelope, event in events]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


TABLES = ("inbox", "outbox", "contact", "notification_preference", "delivery")


@contextlib.asynccontextmanager
async def private_schema(dsn: str):
    """Empty copies of notify's tables (columns, defaults, constraints, indexes) in a schema of
    their own, dropped afterwards: the stack's worker and relay never see the bench's rows, so
    no parking or per-query filter is needed and nothing reaches Kafka."""
    schema = f"notify_bench_{os.getpid()}"
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"create schema {schema}")
        for table in TABLES:
            await conn.execute(f"create table {schema}.{table} (like public.{table} including all)")
        yield schema
    finally:
        await conn.execute(f"drop schema if exists {schema} cascade")
        await conn.close()


def configure_as_the_worker(log_path: Path) -> None:
    """JSON logs and tracing set up as run_worker does; the logs go to a file, as the worker's."""
    log = log_path.open("w")  # left open: structlog writes to it until the end
    with contextlib.redirect_stdout(log):
        configure_logging("notify", "INFO", process="worker")
    configure_tracing("notify")


@contextlib.contextmanager
def stack_notify_paused():
    """Stops the local stack's notify worker and relay, if the stack runs, for the measurement.

    The bench's rows live in a schema of their own, but NOTIFY channels are database-wide: the
    stack's dispatcher and relay would wake at each of the bench's commits and look for work
    in their own tables, taking CPU from what is measured."""
    stack = ROOT / "deploy" / "local" / "bin" / "stack"
    processes = ("notify-worker", "notify-relay")
    status = subprocess.run([str(stack), "status"], capture_output=True, text=True)
    running = [p for p in processes if any(line.startswith(p) and "RUNNING" in line for line in status.stdout.splitlines())]
    for process in running:
        subprocess.run([str(stack), "stop", process], check=True, capture_output=True)
    try:
        yield
    finally:
        for process in running:
            subprocess.run([str(stack), "start", process], check=True, capture_output=True)


async def main() -> dict:
    configure_as_the_worker(Path(tempfile.gettempdir()) / "notify-bench.log")
    port = free_port()
    with Sink(port) as sink, stack_notify_paused():
        return await measure(port, sink)


async def measure(port: int, sink: Sink) -> dict:
    dsn = os.environ["NOTIFY_DATABASE_URL"]
    rounds = []
    names = [f"notify-bench-{os.getpid()}-{i}-{part}" for i in range(ROUNDS) for part in ("a", "b", "c")]
    async with private_schema(dsn) as schema, bench_topics(names):
        # As the worker: one pool (db_pool_max) for the consumer, the listener and the dispatcher loops.
        pool = await create_pool(f"{dsn}?search_path={schema}", min_size=1, max_size=NotifySettings().db_pool_max)
        try:
            for i in range(ROUNDS):
                topic_a, topic_b, topic_c = names[3 * i: 3 * i + 3]
                for topic in (topic_a, topic_b, topic_c):
                    await produce(topic, make_events(EVENTS))
                rounds.append(await one_round(pool, port, sink, topic_a, topic_b, topic_c))
        finally:
            await pool.close()
    median = lambda key: statistics.median(r[key] for r in rounds)  # noqa: E731
    return {
        "at": datetime.now(UTC).isoformat(), "host": platform.node(), "cpus": os.cpu_count(), "events": EVENTS,
        "rounds": rounds,
        # Medians over the rounds: this machine's rates vary by a third from one minute to the next.
        "baseline_messages_per_s": median("baseline_messages_per_s"),
        "messages_sent_per_s": median("messages_sent_per_s"),
        "consumer_only_per_s": median("consumer_only_per_s"), "dispatch_only_per_s": median("dispatch_only_per_s"),
        "ratio": median("ratio"), "target": 0.7,
        "dispatch_concurrency": NotifySettings().dispatch_concurrency, "commit": commit(),
    }


async def one_round(pool, port: int, sink: Sink, topic_a: str, topic_b: str, topic_c: str) -> dict:
    """(a), (b), then notify's two halves apart, each on empty tables and its own topic."""
    tables = f"truncate {', '.join(TABLES)}"
    await pool.execute(tables)
    before = sink.count
    t_base = await baseline(pool, topic_a, port)
    _check_sent(sink.count - before, await pool.fetchval("select count(*) from delivery where status = 'sent'"), "baseline")
    await pool.execute(tables)
    before = sink.count
    t_notify = await through_notify(pool, topic_b, port)
    async def received() -> bool:  # the sink counts a message a moment after its 250
        return sink.count - before >= EVENTS

    await eventually(received, timeout=30, interval=0.01)
    _check_sent(sink.count - before, await pool.fetchval("select count(*) from delivery where status = 'sent'"), "notify")
    await pool.execute(tables)
    t_consumer = await through_notify(pool, topic_c, port, with_dispatcher=False)
    t_dispatch = await dispatch_only(pool, port)
    return {"baseline_messages_per_s": round(EVENTS / t_base, 1), "messages_sent_per_s": round(EVENTS / t_notify, 1),
            "consumer_only_per_s": round(EVENTS / t_consumer, 1), "dispatch_only_per_s": round(EVENTS / t_dispatch, 1),
            "ratio": round(t_base / t_notify, 3)}


def _check_sent(received: int, marked: int, who: str) -> None:
    if (received, marked) != (EVENTS, EVENTS):
        raise RuntimeError(f"{who}: {received} messages received and {marked} marked sent for {EVENTS} events")


def commit() -> str:
    """The commit measured, "+changes" when the working tree differs from it."""
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results"],
                           capture_output=True, text=True)
    return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def markdown(r: dict) -> str:
    def row(label: str, key: str) -> str:
        return f"| {label} | {r[key]} | {', '.join(str(x[key]) for x in r['rounds'])} |"

    return "\n".join([
        f"# notify benchmark ({r['at']}, {r['cpus']} CPUs, {r['events']} events, commit {r['commit']},"
        f" {r['dispatch_concurrency']} dispatcher loops)", "",
        "| measure | median | rounds |", "|---|---|---|",
        row("(a) baseline: Kafka consume, inbox + dedup tx, kept-open SMTP send, sent mark committed, one at a time;"
            " messages/s", "baseline_messages_per_s"),
        row("(b) notify: consumer loop + render + dispatcher + SMTP + sent mark with NotificationSent; messages/s",
            "messages_sent_per_s"),
        f"| ratio (b)/(a) | **{r['ratio']}** (target ≥ {r['target']}) | {', '.join(str(x['ratio']) for x in r['rounds'])} |",
        row("where the rest goes: notify's consumer side alone (Kafka to delivery rows), events/s", "consumer_only_per_s"),
        row("where the rest goes: notify's dispatcher alone (rows to SMTP and sent marks), messages/s",
            "dispatch_only_per_s"), "",
    ])


if __name__ == "__main__":
    import uvloop

    result = uvloop.run(main())  # the worker's event loop (ms_events.runtime)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%z")
    (RESULTS / f"notify-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "notify-latest.md").write_text(markdown(result))
    print(markdown(result))
