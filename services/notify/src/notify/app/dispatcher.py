"""Sends pending deliveries: claimed in batches, each sent and then marked in one statement.

``concurrency`` loops do this side by side, each on its own database connection (and, through
the SMTP sender, its own SMTP connection); claims keep them off each other's rows.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import uuid
from datetime import datetime
from typing import Callable, Protocol, Sequence

import asyncpg
import structlog
from opentelemetry import trace

from ms_events.events.notify import NotificationFailed
from ms_events.outbox import append
from ms_platform.db import is_database_unavailable
from ms_platform.listen import Listener
from ms_platform.metrics import Counter
from ms_platform.observability import context_from_traceparent

from notify.adapters.repository import WAKE_CHANNEL, DeliveryRepository, DueDelivery, SentMark
from notify.adapters.sending import Handover, SendError
from notify.domain.model import GiveUp, RetryPolicy, after_failure

log = structlog.get_logger()
tracer = trace.get_tracer("notify.dispatcher")

# Served on the worker's /metrics (ms_platform.metrics describes every series).
DELIVERIES = Counter("notify_deliveries", "Deliveries by channel and outcome: sent, retried (failed attempt,"
                     " retry scheduled) or failed (given up).", ["channel", "outcome"])


class Sender(Protocol):
    async def send(self, delivery: DueDelivery, handover: Handover = None) -> None: ...


class Dispatcher:
    """Delivers due messages.

    A loop claims a batch of due deliveries (``DeliveryRepository.claim_due``: advisory locks
    that last until released or until the connection ends, so a dispatcher that dies frees
    its claims at once), sends them one after the other, and marks each one sent, with its
    NotificationSent outbox row, in one statement that commits before the next message goes.
    A crash during the SMTP exchange itself, or between the server's acceptance and that
    commit, leaves the delivery pending: it is sent again with the same Message-ID, the only
    duplicate window.

    With ``concurrency`` loops, everything up to the handover (claiming, building the
    message, connecting, the SMTP envelope) runs side by side, but the handover itself (DATA,
    the SMS request, the print queue) waits until the message handed over before it has its
    outcome committed: at most one message is ever in the duplicate window, as with one loop.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        sender: Sender,
        policy: RetryPolicy,
        *,
        batch_size: int = 20,
        poll_interval_s: float = 1.0,
        concurrency: int = 1,
        repository: Callable[[asyncpg.Connection], DeliveryRepository] = DeliveryRepository,
    ) -> None:
        self._pool = pool
        self._sender = sender
        self._policy = policy
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._concurrency = concurrency
        self._window = asyncio.Lock()  # held from a handover until its outcome commits
        self._repository = repository

    async def run_once(
        self, only: Sequence[uuid.UUID] | None = None, as_of: datetime | None = None
    ) -> int:
        """Handle up to one batch of due deliveries; returns how many were attempted.

        ``only`` and ``as_of`` (the time deliveries are due by; default now) let tests on the
        shared local database work on their own rows, out of reach of the running worker.
        """
        return await self._batch(only, as_of, on_full=None)

    async def _batch(
        self, only: Sequence[uuid.UUID] | None, as_of: datetime | None, on_full: Callable[[], object] | None
    ) -> int:
        async with self._pool.acquire() as conn:  # one connection for the batch and its claims
            repo = self._repository(conn)
            claimed = await repo.claim_due(self._batch_size, only, as_of)
            if not claimed:
                return 0
            if on_full is not None and len(claimed) == self._batch_size:
                on_full()  # more are probably due: another loop may take the next batch meanwhile
            try:
                for delivery in claimed:
                    await self._deliver(conn, repo, delivery, as_of)
            finally:
                if not conn.is_closed():
                    await repo.release_claims()
            return len(claimed)

    async def _deliver(
        self, conn: asyncpg.Connection, repo: DeliveryRepository, delivery: DueDelivery, as_of: datetime | None
    ) -> None:
        # The delivery's span continues the trace stored with it (the event's processing that
        # queued it): the send and the sent mark with its NotificationSent event are under it.
        with tracer.start_as_current_span(
            f"deliver {delivery.channel}", context=context_from_traceparent(delivery.traceparent)
        ) as span:
            if span.is_recording():
                span.set_attributes({"notify.delivery_id": str(delivery.id), "notify.channel": delivery.channel,
                                     "notify.template": delivery.template, "notify.attempt": delivery.attempts + 1})
            await self._deliver_in_span(conn, repo, delivery, as_of)

    async def _deliver_in_span(
        self, conn: asyncpg.Connection, repo: DeliveryRepository, delivery: DueDelivery, as_of: datetime | None
    ) -> None:
        window = _Window(self._window)
        mark: SentMark | None = None

        async def handover() -> None:
            nonlocal mark
            mark = repo.sent_mark(delivery)  # built before the window: it holds only I/O
            await window.enter()

        sent = False
        try:
            try:
                await self._sender.send(delivery, handover)
            except Exception as exc:
                # An unexpected error counts as an attempt too, so one bad row cannot spin.
                error = exc if isinstance(exc, SendError) else SendError(type(exc).__name__, permanent=False)
                await self._record_failure(repo, conn, delivery, error, as_of)
            else:
                await repo.mark_sent(delivery, mark)  # with NotificationSent, committed
                sent = True
        finally:
            window.leave()  # after the commit (or its failure)
        if sent:
            DELIVERIES.labels(delivery.channel, "sent").inc()
            log.info("delivery.sent", delivery_id=str(delivery.id))

    async def _record_failure(
        self, repo: DeliveryRepository, conn: asyncpg.Connection, delivery: DueDelivery,
        exc: SendError, as_of: datetime | None,
    ) -> None:
        decision = after_failure(self._policy, delivery.attempts, exc.reason, permanent=exc.permanent)
        if isinstance(decision, GiveUp):
            async with conn.transaction():
                failed_at = await repo.mark_failed(delivery.id, decision.attempts, decision.reason)
                await append(conn, NotificationFailed(
                    delivery_id=delivery.id, source_event_id=delivery.source_event_id,
                    channel=delivery.channel, template=delivery.template,
                    account_id=delivery.account_id, reason=decision.reason, failed_at=failed_at,
                ))
            DELIVERIES.labels(delivery.channel, "failed").inc()
            log.error("delivery.failed", delivery_id=str(delivery.id), attempts=decision.attempts, error=decision.reason)
            return
        await repo.mark_retry(delivery.id, decision.attempts, decision.delay_s, decision.error, as_of)
        DELIVERIES.labels(delivery.channel, "retried").inc()
        log.warning(
            "delivery.retry_scheduled", delivery_id=str(delivery.id),
            attempts=decision.attempts, retry_in_s=decision.delay_s, error=decision.error,
        )

    async def run(
        self, stop: asyncio.Event, only: Sequence[uuid.UUID] | None = None, as_of: datetime | None = None
    ) -> None:
        """Deliver until ``stop`` with ``concurrency`` loops: woken by NOTIFY on commit, with a
        poll as a safety net.

        ``only`` and ``as_of`` as in ``run_once``.
        """
        wakeups = _Wakeups()
        # Listening again after a gap counts as a notification: rows may have come meanwhile.
        async with Listener(self._pool, [WAKE_CHANNEL], lambda _channel, _payload: wakeups.notified(),
                            on_listening=lambda up: wakeups.notified() if up else None):
            await asyncio.gather(*(self._loop(wakeups, stop, only, as_of) for _ in range(self._concurrency)))

    async def _loop(
        self, wakeups: "_Wakeups", stop: asyncio.Event, only: Sequence[uuid.UUID] | None, as_of: datetime | None
    ) -> None:
        wake = asyncio.Event()
        while not stop.is_set():
            wake.clear()
            try:
                if await self._batch(only, as_of, on_full=wakeups.wake_one) >= self._batch_size:
                    continue  # more are probably due
            except Exception as exc:
                if is_database_unavailable(exc):
                    log.warning("dispatcher.database_unavailable", error=type(exc).__name__)
                else:
                    log.exception("dispatcher.error", error=type(exc).__name__)
            if wakeups.take_missed():
                continue  # a NOTIFY came while every loop was busy: look again
            await wakeups.wait(wake, stop, self._poll_interval_s)


class _Window:
    """One delivery's way through the duplicate window, shared by every loop.

    ``enter`` is the sender's handover: it waits until the message handed over before has
    its outcome committed. ``leave`` comes after this one's outcome is committed. So the
    window holds only the irrevocable step and the commit, and never more than one message.
    """

    def __init__(self, lock: asyncio.Lock) -> None:
        self._lock = lock
        self._held = False

    async def enter(self) -> None:
        if not self._held:
            await self._lock.acquire()
            self._held = True

    def leave(self) -> None:
        if self._held:
            self._held = False
            self._lock.release()


class _Wakeups:
    """Wakes one idle loop per NOTIFY rather than all of them (the others would each spend a
    transaction finding nothing); a loop that locks a row wakes one more, so a burst spreads
    over the loops. A NOTIFY that finds every loop busy is remembered: the next loop to
    finish a pass looks again instead of waiting for the poll."""

    def __init__(self) -> None:
        self._idle: collections.deque[asyncio.Event] = collections.deque()
        self._missed = False

    def wake_one(self) -> bool:
        while self._idle:
            wake = self._idle.popleft()
            if not wake.is_set():
                wake.set()
                return True
        return False

    def notified(self) -> None:
        if not self.wake_one():
            self._missed = True

    def take_missed(self) -> bool:
        missed, self._missed = self._missed, False
        return missed

    async def wait(self, wake: asyncio.Event, stop: asyncio.Event, timeout: float) -> None:
        self._idle.append(wake)
        try:
            await _wait_any(wake, stop, timeout)
        finally:
            with contextlib.suppress(ValueError):
                self._idle.remove(wake)


async def _wait_any(event: asyncio.Event, stop: asyncio.Event, timeout: float) -> None:
    waiters = {asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())}
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
