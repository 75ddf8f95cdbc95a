"""The dispatcher: posts due deliveries, signed, and records each outcome.

A pass claims a batch of due deliveries in one statement (``repository.claim_due``: ``FOR
UPDATE SKIP LOCKED``, then a lease on each row), so dispatcher replicas never post the same
delivery at the same time and no transaction stays open during an HTTP request. The batch is
posted side by side; each outcome is recorded under the claim it was made with (a dispatcher
whose lease ran out cannot overwrite a newer attempt's outcome). A 2xx answer is a delivery;
anything else is retried with backoff and jitter (``domain.retry``) until the attempts or the
age run out, and the delivery is dead: an operator may replay it.

Every attempt signs again with its own timestamp, under the same ``webhook-id``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Callable, Sequence

import asyncpg
import structlog
from opentelemetry import trace

from ms_events.outbox import envelope_traceparent
from ms_platform.db import is_database_unavailable
from ms_platform.listen import Listener
from ms_platform.metrics import HTTP_BUCKETS, Counter, Gauge, Histogram
from ms_platform.observability import context_from_traceparent
from ms_platform.probe import Liveness

from webhooks.adapters import repository as repo
from webhooks.adapters.secret_box import SecretBox
from webhooks.adapters.sender import Answer, Sender
from webhooks.domain.model import message_id
from webhooks.domain.retry import GiveUp, RetryPolicy, after_failure, is_success
from webhooks.domain.signing import signed_headers

log = structlog.get_logger()
tracer = trace.get_tracer("webhooks.dispatcher")

# Served on the dispatcher's /metrics (its probe port).
DELIVERIES = Counter("webhooks_deliveries", "Delivery attempts by outcome: delivered (2xx), retried (failed,"
                     " another attempt scheduled) or dead (given up).", ["outcome"])
ATTEMPT_SECONDS = Histogram("webhooks_attempt_seconds", "Time of one delivery attempt (the POST and its"
                            " answer's headers), by result: 2xx, 3xx, 4xx, 5xx or error (no answer).",
                            ["result"], buckets=HTTP_BUCKETS)
BACKLOG = Gauge("webhooks_backlog", "Deliveries pending (due now or waiting for a retry).")
OLDEST_DUE = Gauge("webhooks_oldest_due_age_seconds", "How long the oldest due delivery has waited, 0 when none.")
DEAD = Gauge("webhooks_dead_deliveries", "Deliveries given up and not replayed.")
for _outcome in ("delivered", "retried", "dead"):
    DELIVERIES.labels(_outcome)


def _result(answer: Answer) -> str:
    return "error" if answer.status is None else f"{answer.status // 100}xx"


class Dispatcher:
    def __init__(self, pool: asyncpg.Pool, sender: Sender, box: SecretBox, policy: RetryPolicy, *,
                 batch_size: int = 20, poll_interval_s: float = 1.0, timeout_s: float = 10.0,
                 backlog_every_s: float = 5.0, retention_s: float = 30 * 24 * 3600.0,
                 liveness: Liveness | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self._pool = pool
        self._sender = sender
        self._box = box
        self._policy = policy
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        # Every attempt of a batch runs side by side: a claim outlives the slowest by far.
        self._lease_s = timeout_s + 60.0
        self._backlog_every_s = backlog_every_s
        self._retention_s = retention_s
        self._liveness = liveness or Liveness()
        # None: the database's clock decides what is due (claims), this host's the next attempt.
        # Tests give a clock of their own, to work on rows the stack's dispatcher never sees due.
        self._clock = clock

    def _now(self) -> datetime:
        return self._clock() if self._clock else datetime.now(UTC)

    async def run_once(self, only: Sequence[uuid.UUID] | None = None) -> int:
        """Claim and post one batch of due deliveries; returns how many were attempted.
        ``only``: tests on the shared database work on their own rows."""
        async with self._pool.acquire() as conn:
            claimed = await repo.claim_due(conn, self._batch_size, self._lease_s,
                                           self._clock() if self._clock else None, only)
        await asyncio.gather(*(self._attempt(c) for c in claimed))
        return len(claimed)

    async def _attempt(self, claimed: repo.Claimed) -> None:
        with tracer.start_as_current_span(
                "deliver webhook", context=context_from_traceparent(envelope_traceparent(claimed.payload))) as span:
            if span.is_recording():
                span.set_attributes({"webhooks.delivery_id": str(claimed.id), "webhooks.attempt": claimed.attempts,
                                     "webhooks.event_type": claimed.event_type})
            answer, seconds = await self._post(claimed)
            ATTEMPT_SECONDS.labels(_result(answer)).observe(seconds)
            if span.is_recording():
                span.set_attribute("http.response.status_code", answer.status or 0)
            try:
                await self._record(claimed, answer)
            except Exception as exc:  # the lease runs out and the delivery is tried again
                log.warning("webhooks.outcome_not_recorded", delivery_id=str(claimed.id), error=type(exc).__name__)

    async def _post(self, claimed: repo.Claimed) -> tuple[Answer, float]:
        try:
            secrets = [self._box.open(claimed.secret_sealed)]
            if claimed.previous_secret_sealed:
                secrets.append(self._box.open(claimed.previous_secret_sealed))
        except ValueError:
            log.error("webhooks.secret_unreadable", delivery_id=str(claimed.id))
            return Answer(None, "signing secret unreadable (sealing key missing)"), 0.0
        # The timestamp receivers check is the real time, whatever clock schedules the attempts.
        headers = signed_headers(message_id(claimed.id), datetime.now(UTC), claimed.payload, secrets)
        started = time.perf_counter()
        answer = await self._sender.post(claimed.url, headers, claimed.payload)
        return answer, time.perf_counter() - started

    async def _record(self, claimed: repo.Claimed, answer: Answer) -> None:
        ids = {"delivery_id": str(claimed.id), "attempt": claimed.attempts, "status": answer.status}
        async with self._pool.acquire() as conn:
            if answer.status is not None and is_success(answer.status):
                if await repo.mark_delivered(conn, claimed, answer.status):
                    DELIVERIES.labels("delivered").inc()
                    log.info("webhooks.delivered", **ids)
                return
            error = answer.error or "failed"
            decision = after_failure(self._policy, claimed.attempts, claimed.created_at, self._now())
            if isinstance(decision, GiveUp):
                if await repo.mark_dead(conn, claimed, answer.status, f"{error}; {decision.reason}"):
                    DELIVERIES.labels("dead").inc()
                    log.warning("webhooks.dead", **ids, error=error, reason=decision.reason)
                return
            if await repo.mark_retry(conn, claimed, decision.at, answer.status, error):
                DELIVERIES.labels("retried").inc()
                log.info("webhooks.retry_scheduled", **ids, error=error, retry_at=decision.at.isoformat())

    async def refresh_backlog(self) -> None:
        """The backlog gauges, and the log's retention (delivered deliveries past it go)."""
        async with self._pool.acquire() as conn:
            if purged := await repo.purge_delivered(conn, self._retention_s):
                log.info("webhooks.delivered_purged", count=purged)
            pending, oldest, dead = await repo.backlog(conn)
        BACKLOG.set(pending)
        OLDEST_DUE.set(oldest)
        DEAD.set(dead)

    async def run(self, stop: asyncio.Event) -> None:
        """Dispatch until ``stop``: woken by the NOTIFY a queued delivery sends at commit, with a
        poll as a safety net (retries fall due without one)."""
        wake = asyncio.Event()
        async with Listener(self._pool, [repo.WAKE_CHANNEL], lambda _c, _p: wake.set(),
                            on_listening=lambda up: wake.set() if up else None):
            await asyncio.gather(self._loop(wake, stop), self._backlog_loop(stop))

    async def _loop(self, wake: asyncio.Event, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._liveness.beat()
            wake.clear()
            try:
                if await self.run_once() >= self._batch_size:
                    continue  # more are probably due
            except Exception as exc:
                if is_database_unavailable(exc):
                    log.warning("webhooks.database_unavailable", error=type(exc).__name__)
                else:
                    log.exception("webhooks.dispatch_error", error=type(exc).__name__)
            await _wait_any(wake, stop, self._poll_interval_s)

    async def _backlog_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.refresh_backlog()
            except Exception as exc:
                log.warning("webhooks.backlog_unavailable", error=type(exc).__name__)
            await _wait_any(stop, stop, self._backlog_every_s)


async def _wait_any(event: asyncio.Event, stop: asyncio.Event, timeout: float) -> None:
    waiters = {asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())}
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
