"""Initial schema: subscriptions, deliveries, outbox, inbox.

Revision ID: 0001
Revises:
Create Date: 2026-12-07

"""
from typing import Sequence, Union

from alembic import op

from ms_events.outbox import INBOX_DDL_V1, OUTBOX_DDL_V1

revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = """
create table subscription (
    id                     uuid primary key,
    url                    text not null check (length(url) between 1 and 2048),
    event_types            text[] not null check (cardinality(event_types) > 0),
    description            text check (length(description) <= 200),
    status                 text not null check (status in ('active', 'disabled')),
    -- Fernet tokens (adapters/secret_box.py): never the secret in clear.
    secret_sealed          text not null,
    previous_secret_sealed text,
    previous_secret_until  timestamptz,
    secret_rotated_at      timestamptz not null,
    created_by             uuid not null,
    created_at             timestamptz not null default now(),
    disabled_at            timestamptz
);
create index subscription_active_types on subscription using gin (event_types) where status = 'active';

create table delivery (
    id              uuid primary key,
    subscription_id uuid not null references subscription (id) on delete cascade,
    event_id        uuid not null,
    event_type      text not null,
    -- The person the event is about (erasure, export), when its data names one.
    account_id      uuid,
    -- The CloudEvents envelope as the topic carried it; null once delivered or erased.
    payload         bytea,
    status          text not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
    attempts        integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    -- Set by the dispatcher that claimed the current attempt: only it may record the outcome.
    claim           uuid,
    last_status     integer,
    last_error      text,
    created_at      timestamptz not null default now(),
    -- An operator's replay of a dead delivery: its attempts and age count from here.
    replayed_at     timestamptz,
    delivered_at    timestamptz,
    dead_at         timestamptz,
    unique (subscription_id, event_id)
);
create index delivery_due on delivery (next_attempt_at) where status = 'pending';
create index delivery_of_subscription on delivery (subscription_id, created_at desc, id);
create index delivery_dead on delivery (dead_at) where status = 'dead';
create index delivery_of_account on delivery (account_id) where account_id is not null;
"""


def upgrade() -> None:
    op.execute(SCHEMA)
    op.execute(OUTBOX_DDL_V1)
    op.execute(INBOX_DDL_V1)


def downgrade() -> None:
    op.execute("drop table inbox; drop table outbox; drop table delivery; drop table subscription;")
