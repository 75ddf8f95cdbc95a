"""The dispatcher counts each delivery's outcome by channel (notify_deliveries_total)."""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from ms_platform.metrics import REGISTRY
from notify.adapters.repository import DueDelivery
from notify.adapters.sending import SendError
from notify.app.dispatcher import Dispatcher
from notify.domain.model import RetryPolicy


class _Conn:
    """Enough of a connection for the outbox row of a given-up delivery."""

    def __init__(self) -> None:
        self.in_transaction = False

    @asynccontextmanager
    async def transaction(self):
        self.in_transaction = True
        try:
            yield
        finally:
            self.in_transaction = False

    def is_in_transaction(self) -> bool:
        return self.in_transaction

    def is_closed(self) -> bool:
        return False

    async def executemany(self, sql, values) -> None:
        pass

    async def execute(self, sql, *args) -> None:
        pass


class _Pool:
    @asynccontextmanager
    async def acquire(self):
        yield _Conn()


class _Repository:
    """The deliveries due, and what the dispatcher marked."""

    def __init__(self, due: list[DueDelivery]) -> None:
        self.due = due
        self.marks: list[tuple[str, uuid.UUID]] = []

    def __call__(self, conn) -> "_Repository":
        return self

    async def claim_due(self, limit, only=None, as_of=None) -> list[DueDelivery]:
        due, self.due = self.due, []
        return due

    def sent_mark(self, delivery):
        return None

    async def mark_sent(self, delivery, mark=None):
        self.marks.append(("sent", delivery.id))

    async def mark_retry(self, delivery_id, attempts, delay_s, error, as_of=None) -> None:
        self.marks.append(("retry", delivery_id))

    async def mark_failed(self, delivery_id, attempts, reason) -> datetime:
        self.marks.append(("failed", delivery_id))
        return datetime.now(UTC)

    async def release_claims(self) -> None:
        pass


class _Sender:
    """Sends what its outcome says: 'ok', a temporary failure, or a permanent refusal."""

    async def send(self, delivery: DueDelivery, handover=None) -> None:
        if handover is not None:
            await handover()
        if delivery.template == "temporary":
            raise SendError("421 try later", permanent=False)
        if delivery.template == "permanent":
            raise SendError("550 no such user", permanent=True)


def _delivery(channel: str, outcome: str) -> DueDelivery:
    return DueDelivery(id=uuid.uuid4(), source_event_id=uuid.uuid4(), channel=channel, template=outcome,
                       account_id=None, recipient="someone@example.org", message_id="<m@example.org>", attempts=0,
                       content=None)  # type: ignore[arg-type]  # the fake sender reads no content


def _count(channel: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("notify_deliveries_total", {"channel": channel, "outcome": outcome}) or 0.0


async def test_each_delivery_is_counted_as_sent_retried_or_failed_under_its_channel():
    outcomes = [("email", "sent"), ("email", "retried"), ("email", "failed"), ("sms", "sent"), ("letter", "retried")]
    before = {key: _count(*key) for key in outcomes}
    template = {"sent": "ok", "retried": "temporary", "failed": "permanent"}
    repository = _Repository([_delivery(channel, template[outcome]) for channel, outcome in outcomes])
    dispatcher = Dispatcher(_Pool(), _Sender(), RetryPolicy(), repository=repository)  # type: ignore[arg-type]

    assert await dispatcher.run_once() == 5

    assert [mark for mark, _ in repository.marks] == ["sent", "retry", "failed", "sent", "retry"]
    assert {key: _count(*key) - before[key] for key in outcomes} == {key: 1 for key in outcomes}
