"""The SMS reminder the morning of a callback's slot (CB-2): a sweep publishes CallbackReminderDue.

Each scheduled callback on a mobile number records when its reminder is due (the slot day's
reminder hour, reset when the callback moves). The worker sweeps due reminders every few
seconds and publishes them through the outbox in the transaction that marks them sent, so a
reminder is published once, never for a cancelled callback, and is late by at most one sweep.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Callable

import structlog
from prometheus_client import Counter

from callback.adapters import repository as repo
from ms_events.events.callback import CallbackReminderDue
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()

REMINDERS = Counter("callback_reminders_published", "CallbackReminderDue events written to the outbox.")


async def publish_due_reminders(uow: UnitOfWork, now: datetime, batch_size: int = 100) -> int:
    """Publish every reminder due at ``now`` (a batch at a time); how many were published."""
    total = 0
    while True:
        async with uow.begin() as tx:
            rows = await repo.due_reminders(tx.conn, now, batch_size)
            for row in rows:
                tx.publish(CallbackReminderDue(
                    callback_id=row["id"], account_id=row["account_id"], phone=row["phone"],
                    slot_start=row["slot_start"], slot_end=row["slot_end"], due_at=row["reminder_due_at"]))
            await repo.mark_reminded(tx.conn, [r["id"] for r in rows], now)
        total += len(rows)
        REMINDERS.inc(len(rows))
        if len(rows) < batch_size:
            return total


async def run_sweeper(uow: UnitOfWork, stop: asyncio.Event, interval_s: float, batch_size: int,
                      clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                      anonymous_retention_days: int | None = None) -> None:
    """Sweep until ``stop``; a failed sweep (database away) is logged and tried again next time.
    Each sweep also forgets what people without an account gave, past its retention."""
    from callback.app.privacy import forget_anonymous_callbacks

    while not stop.is_set():
        try:
            published = await publish_due_reminders(uow, clock(), batch_size)
            if published:
                log.info("callback.reminders_published", count=published)
            if anonymous_retention_days is not None:
                await forget_anonymous_callbacks(uow, clock(), anonymous_retention_days)
        except Exception as exc:  # noqa: BLE001  (the next sweep retries; the worker must keep consuming)
            log.warning("callback.reminder_sweep_failed", error=type(exc).__name__)
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
        except TimeoutError:
            pass
