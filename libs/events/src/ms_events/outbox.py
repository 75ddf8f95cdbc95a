"""Transactional outbox: the event row is written in the caller's own transaction."""

from __future__ import annotations

import json

import asyncpg

from ms_events.catalogue import Event
from ms_events.envelope import Envelope
from ms_platform.observability import current_traceparent
from ms_platform.uow import UnitOfWork

NOTIFY_CHANNEL = "outbox"

# Used by each service's first migration; later changes get a new constant and migration.
OUTBOX_DDL_V1 = """
create table outbox (
    position     bigserial primary key,
    event_id     uuid not null unique,
    topic        text not null,
    key          text not null,
    event_type   text not null,
    payload      bytea not null,
    created_at   timestamptz not null default now(),
    published_at timestamptz
);
create index outbox_unpublished on outbox (position) where published_at is null;
"""

INBOX_DDL_V1 = """
create table inbox (
    consumer     text not null,
    event_id     uuid not null,
    event_type   text not null,
    processed_at timestamptz not null default now(),
    primary key (consumer, event_id)
);
"""


class OutsideTransaction(RuntimeError):
    """The outbox was asked to write outside a transaction: the event could be lost."""


# The outbox row's columns, in the order of ``rows``' tuples.
COLUMNS = "event_id, topic, key, event_type, payload"


def rows(*events: Event) -> tuple[list[Envelope], list[tuple]]:
    """The envelopes of ``events`` and their outbox rows (values for ``COLUMNS``).

    For a caller that writes the row in the same statement as its domain change (one
    autocommit statement is one transaction, so the outbox rule holds); ``append`` otherwise.
    """
    traceparent = current_traceparent()
    envelopes = [Envelope.wrap(e, traceparent=traceparent) for e in events]
    return envelopes, [
        (env.id, e.meta().topic, e.key(), env.type, env.to_bytes()) for env, e in zip(envelopes, events, strict=True)
    ]


async def append(conn: asyncpg.Connection, *events: Event) -> list[Envelope]:
    """Record events to publish; they become visible to the relay when the caller commits."""
    if not conn.is_in_transaction():
        raise OutsideTransaction("outbox.append must run inside the domain change's transaction")
    envelopes, values = rows(*events)
    await conn.executemany(f"insert into outbox ({COLUMNS}) values ($1, $2, $3, $4, $5)", values)
    # Delivered at commit only, so the relay wakes exactly when the rows are visible.
    await conn.execute("select pg_notify($1, '')", NOTIFY_CHANNEL)
    return envelopes


def envelope_traceparent(payload: bytes) -> str | None:
    """The traceparent an outbox payload (a CloudEvents envelope) carries, if any."""
    try:
        value = json.loads(payload).get("traceparent")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def describe(payload: bytes) -> dict:
    """A log-safe summary of an outbox payload (type and id, never data)."""
    data = json.loads(payload)
    return {"event_id": data.get("id"), "event_type": data.get("type")}


def unit_of_work(pool: asyncpg.Pool) -> UnitOfWork:
    """A unit of work whose published events go to this service's outbox at commit."""
    return UnitOfWork(pool, append)
