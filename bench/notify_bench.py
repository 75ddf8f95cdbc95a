"""Benchmark of notify: messages sent per second against the raw database transaction rate.

    .venv/bin/python bench/notify_bench.py        (the local stack's PostgreSQL must be up)

(a) Baseline: the consumer's raw database transaction doing the same dedup writes as notify
for one event (inbox insert ``on conflict do nothing`` + delivery insert ``on conflict do
nothing``), one transaction per event, nothing else. (b) Notify: the same number of
AccountCreated events through notify's real code as the worker runs it: the consumer
runner's handling of each poll (``ConsumerRunner.process_batch`` on the records a backlog's
polls return: decoding, inbox, contact projection, Jinja2 rendering, delivery rows, wake-up)
and, concurrently, the dispatcher loops (NOTIFY_DISPATCH_CONCURRENCY) sending each message
through SMTP (aiosmtplib) and marking it sent with NotificationSent in the outbox, timed
until the last mark commits. Only Kafka is left out: records are built in memory. The SMTP
server is an aiosmtpd sink in a child process (as the stack's mailsink is its own process).
Event loop (uvloop), logging (JSON lines, to a file) and tracing are set up as the worker's.
Both run against the stack's PostgreSQL, (a) then (b), BENCH_NOTIFY_ROUNDS times (default 3),
on empty copies of notify's tables in a private schema (dropped afterwards), with the stack's
notify worker and relay paused if they run; the median of the rounds' ratios (b)/(a) is the
point (target ≥ 0.7). Writes
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

from aiokafka import ConsumerRecord  # noqa: E402

from ms_events.consumer import ConsumerOptions, ConsumerRunner  # noqa: E402
from ms_events.envelope import Envelope  # noqa: E402
from ms_events.kafka import KafkaConfig  # noqa: E402
from ms_events.events.identity import AccountCreated  # noqa: E402
from ms_platform.db import create_pool  # noqa: E402
from ms_platform.observability import configure_logging, configure_tracing  # noqa: E402
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


def make_events(n: int) -> list[tuple[Envelope, AccountCreated]]:
    now = datetime.now(UTC)
    out = []
    for i in range(n):
        event = AccountCreated(account_id=uuid.uuid4(), kind="member", email=f"b{i}-{uuid.uuid4().hex[:6]}@bench.example.org",
                               first_name="Bench", last_name=f"N{i}", confirmation_token=uuid.uuid4().hex,
                               confirmation_expires_at=now + timedelta(hours=48), created_at=now)
        out.append((Envelope.wrap(event), event))
    return out


async def baseline(pool, events) -> float:
    start = time.perf_counter()
    for envelope, event in events:
        async with pool.acquire() as conn, conn.transaction():
            await conn.fetchval("insert into inbox (consumer, event_id, event_type) values ($1, $2, $3)"
                                " on conflict do nothing returning true", CONSUMER, envelope.id, envelope.type)
            await conn.fetchval(
                """insert into delivery (id, source_event_id, channel, template, account_id, recipient, subject,
                       body_text, body_html, message_id)
                   values ($1, $2, 'email', 'bench', $3, $4, 's', 't', 'h', $5)
                   on conflict (source_event_id, channel) do nothing returning true""",
                uuid.uuid4(), envelope.id, event.account_id, str(event.email), message_id(envelope.id, "email"))
    return time.perf_counter() - start


def polls(events: list[tuple[Envelope, AccountCreated]], partitions: int, max_records: int) -> list[list[ConsumerRecord]]:
    """The events as the worker's consumer gets them from a backlog: polls of up to
    ``max_records`` records (getmany's max_records), each split by partition, records keyed by
    account as identity publishes them."""
    out = []
    for start in range(0, len(events), max_records):
        by_partition: dict[int, list[ConsumerRecord]] = {}
        for offset, (envelope, event) in enumerate(events[start:start + max_records], start):
            key, value = event.key().encode(), envelope.to_bytes()
            partition = hash(key) % partitions
            by_partition.setdefault(partition, []).append(ConsumerRecord(
                AccountCreated.meta().topic, partition, offset, 0, 0, key, value, None, len(key), len(value), []))
        out.extend(by_partition.values())
    return out


async def through_notify(pool, events, port: int, sink: Sink, received_target: int) -> float:
    """As the worker runs: the consumer runner's poll handling and the dispatcher loops concurrently.

    Timed until the last delivery's sent mark (and its NotificationSent) is committed.
    """
    settings = NotifySettings()  # the worker's defaults (and var/local.env)
    handlers = NotifyHandlers(TemplateRenderer(), Brand("Mutuelle Exemple", "01 23 45 67 89", "http://127.0.0.1:8080"))
    runner = ConsumerRunner(CONSUMER, pool, KafkaConfig("127.0.0.1:1", "bench"), subscriptions(handlers))
    records = polls(events, PARTITIONS, ConsumerOptions().batch_records)
    smtp = SmtpSender(SmtpConfig("127.0.0.1", port, "bench@mutuelle.example", timeout_s=10),
                      connections=settings.dispatch_concurrency)
    dispatcher = Dispatcher(pool, ChannelRouter({"email": smtp}), RetryPolicy(), batch_size=settings.dispatch_batch_size,
                            poll_interval_s=settings.dispatch_poll_interval_s, concurrency=settings.dispatch_concurrency)
    stop = asyncio.Event()
    start = time.perf_counter()
    task = asyncio.create_task(dispatcher.run(stop))
    for poll in records:  # as ConsumerRunner._loop, Kafka aside
        outcomes = await runner.process_batch(poll, stop)
        if outcomes != ["handled"] * len(poll):
            raise RuntimeError(f"the consumer did not handle every event: {set(outcomes)}")
    while sink.count < received_target and time.perf_counter() - start < 300:
        await asyncio.sleep(0.01)
    while (await pool.fetchval("select count(*) from delivery where status = 'sent'") < len(events)
           and time.perf_counter() - start < 300):
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - start
    stop.set()
    await task
    await smtp.close()
    return elapsed


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
        configure_logging("notify-worker", "INFO")
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
    import socket

    configure_as_the_worker(Path(tempfile.gettempdir()) / "notify-bench.log")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with Sink(port) as sink, stack_notify_paused():
        return await measure(port, sink)


async def measure(port: int, sink: Sink) -> dict:
    dsn = os.environ["NOTIFY_DATABASE_URL"]
    rounds = []
    async with private_schema(dsn) as schema:
        # As the worker: one pool (db_pool_max) for the consumer, the listener and the dispatcher loops.
        pool = await create_pool(f"{dsn}?search_path={schema}", min_size=1, max_size=NotifySettings().db_pool_max)
        try:
            for _ in range(ROUNDS):  # (a) then (b), each on empty tables, ROUNDS times
                await pool.execute(f"truncate {', '.join(TABLES)}")
                t_base = await baseline(pool, make_events(EVENTS))
                await pool.execute(f"truncate {', '.join(TABLES)}")
                received_before = sink.count
                t_notify = await through_notify(pool, make_events(EVENTS), port, sink, received_before + EVENTS)
                received = sink.count - received_before
                sent_rows = await pool.fetchval("select count(*) from delivery where status = 'sent'")
                if (received, sent_rows) != (EVENTS, EVENTS):
                    raise RuntimeError(f"{received} messages received and {sent_rows} marked sent for {EVENTS} events")
                rounds.append({"raw_dedup_tx_per_s": round(EVENTS / t_base, 1),
                               "messages_sent_per_s": round(EVENTS / t_notify, 1),
                               "ratio": round(t_base / t_notify, 3)})
        finally:
            await pool.close()
    return {
        "at": datetime.now(UTC).isoformat(), "host": platform.node(), "cpus": os.cpu_count(), "events": EVENTS,
        "rounds": rounds,
        # Medians over the rounds: this machine's rates vary by a third from one minute to the next.
        "raw_dedup_tx_per_s": statistics.median(r["raw_dedup_tx_per_s"] for r in rounds), "messages_sent": EVENTS,
        "messages_sent_per_s": statistics.median(r["messages_sent_per_s"] for r in rounds),
        "ratio": statistics.median(r["ratio"] for r in rounds), "target": 0.7,
        "dispatch_concurrency": NotifySettings().dispatch_concurrency, "commit": commit(),
    }


def commit() -> str:
    """The commit measured, "+changes" when the working tree differs from it."""
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results"],
                           capture_output=True, text=True)
    return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def markdown(r: dict) -> str:
    return "\n".join([
        f"# notify benchmark ({r['at']}, {r['cpus']} CPUs, {r['events']} events, commit {r['commit']},"
        f" {r['dispatch_concurrency']} dispatcher loops)", "",
        "| measure | median | rounds |", "|---|---|---|",
        f"| (a) raw consumer transaction, inbox + delivery dedup inserts, tx/s | {r['raw_dedup_tx_per_s']} |"
        f" {', '.join(str(x['raw_dedup_tx_per_s']) for x in r['rounds'])} |",
        f"| (b) notify: consumer + render + dispatcher + SMTP, messages sent/s | {r['messages_sent_per_s']} |"
        f" {', '.join(str(x['messages_sent_per_s']) for x in r['rounds'])} |",
        f"| ratio (b)/(a) | **{r['ratio']}** (target ≥ {r['target']}) | {', '.join(str(x['ratio']) for x in r['rounds'])} |", "",
    ])


if __name__ == "__main__":
    import uvloop

    result = uvloop.run(main())  # the worker's event loop (ms_events.runtime)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%z")
    (RESULTS / f"notify-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "notify-latest.md").write_text(markdown(result))
    print(markdown(result))
