"""SQL for subscriptions and deliveries; every function takes the caller's connection."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

import asyncpg

from webhooks.domain.model import Delivery, DeliveryStatus, Status, Subscription

WAKE_CHANNEL = "webhook_delivery"

_SUBSCRIPTION = """id, url, event_types, description, status, created_by, created_at, secret_rotated_at,
                   disabled_at"""
_DELIVERY = """id, subscription_id, event_id, event_type, status, attempts, next_attempt_at, created_at,
               last_status, last_error, delivered_at, dead_at, replayed_at, (payload is null and status <> 'delivered') as erased"""


def _subscription(row: asyncpg.Record) -> Subscription:
    return Subscription(**{**dict(row), "event_types": tuple(row["event_types"]), "status": Status(row["status"])})


def _delivery(row: asyncpg.Record) -> Delivery:
    return Delivery(**{**dict(row), "status": DeliveryStatus(row["status"])})


# ---- subscriptions ----------------------------------------------------------------------------


async def add_subscription(conn: asyncpg.Connection, sub: Subscription, secret_sealed: str) -> None:
    await conn.execute(
        """insert into subscription (id, url, event_types, description, status, secret_sealed,
               secret_rotated_at, created_by, created_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        sub.id, sub.url, list(sub.event_types), sub.description, sub.status.value, secret_sealed,
        sub.secret_rotated_at, sub.created_by, sub.created_at)


async def count_subscriptions(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("select count(*) from subscription")


async def subscriptions(conn: asyncpg.Connection) -> list[Subscription]:
    rows = await conn.fetch(f"select {_SUBSCRIPTION} from subscription order by created_at, id")
    return [_subscription(r) for r in rows]


async def subscription(conn: asyncpg.Connection, sub_id: uuid.UUID, *, lock: bool = False) -> Subscription | None:
    row = await conn.fetchrow(
        f"select {_SUBSCRIPTION} from subscription where id = $1" + (" for update" if lock else ""), sub_id)
    return _subscription(row) if row else None


async def set_status(conn: asyncpg.Connection, sub_id: uuid.UUID, status: Status) -> Subscription | None:
    row = await conn.fetchrow(
        f"""update subscription set status = $2,
                disabled_at = case when $2 = 'disabled' then coalesce(disabled_at, now()) end
            where id = $1 returning {_SUBSCRIPTION}""", sub_id, status.value)
    return _subscription(row) if row else None


async def rotate_secret(conn: asyncpg.Connection, sub_id: uuid.UUID, sealed: str, rotated_at: datetime,
                        previous_until: datetime) -> Subscription | None:
    """The new secret signs from now; the one it replaces signs too until ``previous_until``."""
    row = await conn.fetchrow(
        f"""update subscription set previous_secret_sealed = secret_sealed, previous_secret_until = $4,
                secret_sealed = $2, secret_rotated_at = $3
            where id = $1 returning {_SUBSCRIPTION}""", sub_id, sealed, rotated_at, previous_until)
    return _subscription(row) if row else None


async def delete_subscription(conn: asyncpg.Connection, sub_id: uuid.UUID) -> bool:
    return await conn.execute("delete from subscription where id = $1", sub_id) == "DELETE 1"


# ---- deliveries: the worker's side ------------------------------------------------------------


async def add_deliveries(conn: asyncpg.Connection, event_type: str, event_id: uuid.UUID,
                         account_id: uuid.UUID | None, payload: bytes, due_at: datetime | None = None) -> int:
    """One pending delivery per active subscription to ``event_type``, due at ``due_at`` (now by
    default), the dispatcher woken at commit."""
    count = await conn.fetchval(
        """with added as (
               insert into delivery (id, subscription_id, event_id, event_type, account_id, payload, next_attempt_at)
               select gen_random_uuid(), s.id, $2, $1::text, $3, $4, coalesce($5, now())
               from subscription s where s.status = 'active' and s.event_types @> array[$1::text]
               on conflict (subscription_id, event_id) do nothing
               returning 1)
           select count(*) from added""", event_type, event_id, account_id, payload, due_at)
    if count:
        await conn.execute("select pg_notify($1, '')", WAKE_CHANNEL)
    return count


async def erase_account(conn: asyncpg.Connection, account_id: uuid.UUID) -> int:
    """The payloads kept about the account go (dead ones can no longer be replayed); the
    delivery log (ids, types, outcomes) stays, keyed by the pseudonymous account id."""
    status = await conn.execute(
        "update delivery set payload = null where account_id = $1 and payload is not null and status <> 'pending'",
        account_id)
    return int(status.split()[-1])


async def deliveries_of_account(conn: asyncpg.Connection, account_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select id, subscription_id, event_id, event_type, status, created_at, payload
           from delivery where account_id = $1 order by created_at, id""", account_id)


# ---- deliveries: the operators' side ----------------------------------------------------------


async def deliveries(conn: asyncpg.Connection, sub_id: uuid.UUID, status: DeliveryStatus | None,
                     limit: int) -> list[Delivery]:
    rows = await conn.fetch(
        f"""select {_DELIVERY} from delivery where subscription_id = $1 and ($2::text is null or status = $2)
            order by created_at desc, id limit $3""", sub_id, status.value if status else None, limit)
    return [_delivery(r) for r in rows]


async def delivery(conn: asyncpg.Connection, sub_id: uuid.UUID, delivery_id: uuid.UUID,
                   *, lock: bool = False) -> Delivery | None:
    row = await conn.fetchrow(
        f"select {_DELIVERY} from delivery where id = $1 and subscription_id = $2" + (" for update" if lock else ""),
        delivery_id, sub_id)
    return _delivery(row) if row else None


async def replay(conn: asyncpg.Connection, delivery_id: uuid.UUID) -> Delivery:
    """A dead delivery is pending again, due now, with a fresh count of attempts."""
    row = await conn.fetchrow(
        f"""update delivery set status = 'pending', attempts = 0, next_attempt_at = now(), claim = null,
                dead_at = null, replayed_at = now()
            where id = $1 returning {_DELIVERY}""", delivery_id)
    await conn.execute("select pg_notify($1, '')", WAKE_CHANNEL)
    return _delivery(row)


# ---- deliveries: the dispatcher's side --------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """A delivery this dispatcher holds until ``lease_until``: its payload and where it goes."""

    id: uuid.UUID
    claim: uuid.UUID
    attempts: int  # this attempt included
    created_at: datetime
    event_type: str
    payload: bytes
    url: str
    secret_sealed: str
    previous_secret_sealed: str | None


async def claim_due(conn: asyncpg.Connection, limit: int, lease_s: float, now: datetime | None = None,
                    only: Sequence[uuid.UUID] | None = None) -> list[Claimed]:
    """Claim up to ``limit`` due deliveries of active subscriptions, in turns: every
    subscription's oldest due delivery, then every one's second, and so on (each turn oldest due
    first). A receiver that has been down for hours, with thousands of deliveries due, takes one
    place per turn and never holds back another subscription's new delivery.

    ``FOR UPDATE SKIP LOCKED`` keeps two dispatchers off the same rows while the claim runs;
    the claim then pushes ``next_attempt_at`` past the attempt's lease and counts the attempt,
    and commits: no transaction stays open during the HTTP request. A dispatcher that dies
    mid-attempt leaves the row to be claimed again once the lease has passed (the same
    webhook-id: receivers deduplicate). Due-ness and leases are read on the database's clock
    (``now`` None), so replicas on hosts whose clocks differ agree on them. ``now`` and ``only``:
    tests on the shared database claim their own rows only, on a clock of their own.
    """
    rows = await conn.fetch(
        """with candidate as (
               select c.id, c.next_attempt_at, c.turn from subscription s cross join lateral (
                   select d.id, d.next_attempt_at, row_number() over (order by d.next_attempt_at) as turn
                   from delivery d
                   where d.subscription_id = s.id and d.status = 'pending'
                     and d.next_attempt_at <= coalesce($1, now())
                     and d.payload is not null and ($4::uuid[] is null or d.id = any($4))
                   order by d.next_attempt_at limit $2) c
               where s.status = 'active'),
           due as (
               select d.id from delivery d join candidate c on c.id = d.id
               order by c.turn, c.next_attempt_at limit $2
               for update of d skip locked)
           update delivery d set claim = gen_random_uuid(), attempts = d.attempts + 1,
               next_attempt_at = coalesce($1, now()) + make_interval(secs => $3)
           from due, subscription s
           where d.id = due.id and s.id = d.subscription_id
           returning d.id, d.claim, d.attempts, coalesce(d.replayed_at, d.created_at) as created_at,
               d.event_type, d.payload, s.url, s.secret_sealed,
               case when s.previous_secret_until > now() then s.previous_secret_sealed end as previous_secret_sealed""",
        now, limit, lease_s, list(only) if only is not None else None)
    return [Claimed(**dict(r)) for r in rows]


async def mark_delivered(conn: asyncpg.Connection, claimed: Claimed, status: int) -> bool:
    """Delivered: the payload goes (nothing to replay). False when the claim was lost."""
    done = await conn.execute(
        """update delivery set status = 'delivered', delivered_at = now(), last_status = $3, last_error = null,
               payload = null, claim = null
           where id = $1 and claim = $2 and status = 'pending'""", claimed.id, claimed.claim, status)
    return done == "UPDATE 1"


async def mark_retry(conn: asyncpg.Connection, claimed: Claimed, at: datetime, status: int | None,
                     error: str) -> bool:
    done = await conn.execute(
        """update delivery set next_attempt_at = $3, last_status = $4, last_error = $5, claim = null
           where id = $1 and claim = $2 and status = 'pending'""", claimed.id, claimed.claim, at, status, error)
    return done == "UPDATE 1"


async def mark_dead(conn: asyncpg.Connection, claimed: Claimed, status: int | None, error: str) -> bool:
    done = await conn.execute(
        """update delivery set status = 'dead', dead_at = now(), last_status = $3, last_error = $4, claim = null
           where id = $1 and claim = $2 and status = 'pending'""", claimed.id, claimed.claim, status, error)
    return done == "UPDATE 1"


async def purge_delivered(conn: asyncpg.Connection, older_than_s: float, limit: int = 1000) -> int:
    """Forget up to ``limit`` deliveries delivered more than ``older_than_s`` ago (the log's retention)."""
    status = await conn.execute(
        """delete from delivery where id in (
               select id from delivery where status = 'delivered'
                 and delivered_at < now() - make_interval(secs => $1) limit $2)""", older_than_s, limit)
    return int(status.split()[-1])


async def backlog(conn: asyncpg.Connection) -> tuple[int, float, int]:
    """(pending deliveries, age in seconds of the oldest due one, dead deliveries)."""
    row = await conn.fetchrow(
        """select (select count(*) from delivery where status = 'pending') as pending,
                  coalesce((select extract(epoch from now() - min(next_attempt_at)) from delivery
                            where status = 'pending' and next_attempt_at <= now()), 0) as oldest,
                  (select count(*) from delivery where status = 'dead') as dead""")
    return row["pending"], float(row["oldest"]), row["dead"]
