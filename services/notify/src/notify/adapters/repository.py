"""SQL for notify's tables; every method runs on the caller's connection and transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Sequence


from ms_events import outbox
from ms_events.events.notify import NotificationFailed, NotificationSent
from ms_events.outbox import append
from ms_platform.observability import current_traceparent

from notify.adapters.contacts import Contact, ContactStore
from notify.domain.model import Delivery, Rendered

__all__ = ["Contact", "DeliveryRepository", "DueDelivery", "DeliverySummary", "WAKE_CHANNEL"]

WAKE_CHANNEL = "delivery"
# The first key of the advisory locks that claim deliveries (two-key locks: apart from any
# one-key lock, such as the relay's); the second is the delivery id's hash.
CLAIM_LOCK_CLASS = 0x6E746679  # "ntfy"
# A claim looks at this many times its batch size of the oldest due rows: enough to find a
# batch while other loops and workers hold theirs.
CLAIM_CANDIDATES = 8

# Once a delivery is finished, its address is kept only while the person's contact exists
# (erased by AccountDeleted) and never for messages to no account (prospects).
_FORGET_ORPHAN_RECIPIENT = """recipient = case when exists (
    select 1 from contact c where c.account_id = delivery.account_id) then recipient end"""


@dataclass(frozen=True)
class DueDelivery:
    """A pending delivery locked by the current transaction, ready to send."""

    id: uuid.UUID
    source_event_id: uuid.UUID
    channel: str
    template: str
    account_id: uuid.UUID | None
    recipient: str | None
    message_id: str
    attempts: int
    content: Rendered
    # The trace of the event's processing that queued it: the delivery's span continues it.
    traceparent: str | None = None


@dataclass(frozen=True)
class SentMark:
    sent_at: datetime
    outbox_row: tuple  # values for ms_events.outbox.COLUMNS


@dataclass(frozen=True)
class DeliverySummary:
    """What the back office may see of a delivery: never its bodies or recipient."""

    id: uuid.UUID
    channel: str
    template: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    attempts: int
    last_error: str | None


class DeliveryRepository(ContactStore):

    async def add(self, delivery: Delivery) -> bool:
        """Insert a pending delivery and wake the dispatcher (at commit), in one round trip.

        False, and no wake-up, when one already exists for (event, channel).
        """
        created = await self._conn.fetchval(
            """with added as (
                   insert into delivery (id, source_event_id, channel, template, account_id,
                       recipient, subject, body_text, body_html, message_id, traceparent)
                   values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12)
                   on conflict (source_event_id, channel) do nothing
                   returning id)
               select pg_notify($11, '')::text = '' from added""",
            delivery.id, delivery.source_event_id, delivery.channel.value, delivery.template,
            delivery.account_id, delivery.recipient, delivery.content.subject,
            delivery.content.text, delivery.content.html, delivery.message_id, WAKE_CHANNEL,
            current_traceparent(),
        )
        return bool(created)

    async def add_failed(self, delivery: Delivery, reason: str) -> bool:
        """Record a message that cannot be sent (no address) as failed, with NotificationFailed.

        False, and nothing written, when the (event, channel) already has a delivery.
        """
        failed_at = await self._conn.fetchval(
            """insert into delivery (id, source_event_id, channel, template, account_id, recipient,
                   message_id, status, last_error, failed_at)
               values ($1, $2, $3, $4, $5, null, $6, 'failed', $7, clock_timestamp())
               on conflict (source_event_id, channel) do nothing
               returning failed_at""",
            delivery.id, delivery.source_event_id, delivery.channel.value, delivery.template,
            delivery.account_id, delivery.message_id, reason,
        )
        if failed_at is None:
            return False
        await append(self._conn, NotificationFailed(
            delivery_id=delivery.id, source_event_id=delivery.source_event_id,
            channel=delivery.channel.value, template=delivery.template,
            account_id=delivery.account_id, reason=reason, failed_at=failed_at,
        ))
        return True

    async def claim_due(
        self, limit: int, only: Sequence[uuid.UUID] | None = None, as_of: datetime | None = None
    ) -> list[DueDelivery]:
        """Claim up to ``limit`` pending deliveries due at ``as_of`` (default: now), oldest first.

        A claim is a session advisory lock on the delivery, so it lasts across the sends and
        their commits, ends with ``release_claims`` or with the connection (a dispatcher that
        dies frees its claims at once), and never writes: claiming costs no commit. Other
        dispatchers skip claimed rows. The claim statement's snapshot may predate another
        dispatcher's sent mark and release; the second statement, run once the locks are
        held (so after any such release), keeps only the rows still pending.
        """
        # The candidates are chosen first, without locks (a materialized CTE: no condition of
        # the outer query reaches into it), then locked in that order until ``limit`` are
        # held. With the lock attempt in the same scan as ORDER BY, a plan that sorts after
        # filtering would lock every pending row for one batch, starving the other loops.
        rows = await self._conn.fetch(
            """with candidates as materialized (
                   select id from delivery
                   where status = 'pending' and next_attempt_at <= coalesce($2, now())
                     and ($1::uuid[] is null or id = any($1::uuid[]))
                   order by next_attempt_at
                   limit $3::int * $5::int)
               select id from candidates
               where pg_try_advisory_lock($4::int, hashtext(id::text))
               limit $3""",
            list(only) if only is not None else None, as_of, limit, CLAIM_LOCK_CLASS, CLAIM_CANDIDATES,
        )
        if not rows:
            return []  # nothing locked, nothing to release
        rows = await self._conn.fetch(
            """select id, source_event_id, channel, template, account_id, recipient,
                      message_id, attempts, subject, body_text, body_html, traceparent
               from delivery
               where id = any($1::uuid[]) and status = 'pending' and next_attempt_at <= coalesce($2, now())
               order by next_attempt_at""",
            [r["id"] for r in rows], as_of,
        )
        return [
            DueDelivery(
                id=row["id"], source_event_id=row["source_event_id"], channel=row["channel"],
                template=row["template"], account_id=row["account_id"], recipient=row["recipient"],
                message_id=row["message_id"], attempts=row["attempts"],
                content=Rendered(row["subject"], row["body_text"], row["body_html"]),
                traceparent=row["traceparent"],
            )
            for row in rows
        ]

    async def release_claims(self) -> None:
        """Release every claim this connection holds (after their outcomes are committed)."""
        await self._conn.execute("select pg_advisory_unlock_all()")

    @staticmethod
    def sent_mark(delivery: DueDelivery) -> "SentMark":
        """What ``mark_sent`` writes, built beforehand: the sent time (now: the handover, a
        moment before the server's answer) and the NotificationSent outbox row."""
        sent_at = datetime.now(UTC)
        _, [row] = outbox.rows(NotificationSent(
            delivery_id=delivery.id, source_event_id=delivery.source_event_id,
            channel=delivery.channel, template=delivery.template,
            account_id=delivery.account_id, sent_at=sent_at,
        ))
        return SentMark(sent_at, row)

    async def mark_sent(self, delivery: DueDelivery, mark: "SentMark | None" = None) -> datetime | None:
        """Mark the delivery sent and record NotificationSent, in one statement (one round trip,
        one commit when run outside a transaction). None if it was no longer pending."""
        mark = mark or self.sent_mark(delivery)
        marked = await self._conn.fetchval(
            """with sent as (
                   update delivery
                   set status = 'sent', sent_at = $2, attempts = attempts + 1,
                       last_error = null, subject = null, body_text = null, body_html = null,
                       """ + _FORGET_ORPHAN_RECIPIENT + """
                   where id = $1 and status = 'pending' returning id),
               published as (
                   insert into outbox (""" + outbox.COLUMNS + """)
                   select $3, $4, $5, $6, $7 from sent returning event_id)
               select count(*) from published""",
            delivery.id, mark.sent_at, *mark.outbox_row,
        )
        return mark.sent_at if marked else None

    async def mark_retry(
        self, delivery_id: uuid.UUID, attempts: int, delay_s: float, error: str,
        as_of: datetime | None = None,
    ) -> None:
        await self._conn.execute(
            """update delivery
               set attempts = $2, last_error = $3,
                   next_attempt_at = coalesce($5, clock_timestamp()) + make_interval(secs => $4)
               where id = $1""",
            delivery_id, attempts, error, delay_s, as_of,
        )

    async def mark_failed(self, delivery_id: uuid.UUID, attempts: int, reason: str) -> datetime:
        return await self._conn.fetchval(
            """update delivery
               set status = 'failed', failed_at = clock_timestamp(), attempts = $2,
                   last_error = $3, subject = null, body_text = null, body_html = null,
                   """ + _FORGET_ORPHAN_RECIPIENT + """
               where id = $1 returning failed_at""",
            delivery_id, attempts, reason,
        )

    async def list_for_account(self, account_id: uuid.UUID, limit: int = 100) -> list[DeliverySummary]:
        rows = await self._conn.fetch(
            """select id, channel, template, status, created_at, sent_at, attempts, last_error
               from delivery where account_id = $1
               order by created_at desc limit $2""",
            account_id, limit,
        )
        return [DeliverySummary(**dict(r)) for r in rows]
