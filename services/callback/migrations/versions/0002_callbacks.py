"""Callbacks and slot capacity (CB-1..CB-3); the scaffold's example items go.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = """
drop table item;

create table callback (
    id                    uuid primary key,
    account_id            uuid,
    reason                text not null check (reason in ('contract_question', 'new_service_request', 'case_follow_up')),
    slot_start            timestamptz not null,
    slot_end              timestamptz not null check (slot_end > slot_start),
    -- E.164; null once erased (AccountDeleted)
    phone                 text check (phone is null or phone ~ '^\\+[0-9]{8,15}$'),
    phone_mobile          boolean not null,
    first_name            text check (length(first_name) between 1 and 100),
    last_name             text check (length(last_name) between 1 and 100),
    comment               text check (length(comment) between 1 and 1000),
    case_number           text check (length(case_number) between 1 and 40),
    status                text not null check (status in ('scheduled', 'done', 'no_answer', 'cancelled')),
    attempts              integer not null default 0,
    idempotency_key       text check (length(idempotency_key) between 1 and 200),
    reminder_due_at       timestamptz,
    reminder_published_at timestamptz,
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now(),
    erased_at             timestamptz
);
-- What fills a slot, and each day's queue.
create index callback_slot on callback (slot_start) where status = 'scheduled';
create index callback_account on callback (account_id, slot_start) where account_id is not null;
create index callback_phone_open on callback (phone) where status = 'scheduled';
create index callback_reminder_due on callback (reminder_due_at)
    where status = 'scheduled' and reminder_published_at is null and phone_mobile;
create unique index callback_idempotency on callback (idempotency_key) where idempotency_key is not null;

-- Agents available (CB-2): per slot, else per day, else the default_slot_capacity setting.
create table slot_capacity (
    slot_start  timestamptz primary key,
    capacity    integer not null check (capacity between 0 and 1000),
    set_by      uuid not null,
    updated_at  timestamptz not null default now()
);
create table day_capacity (
    day         date primary key,
    capacity    integer not null check (capacity between 0 and 1000),
    set_by      uuid not null,
    updated_at  timestamptz not null default now()
);
"""

DOWNGRADE = """
drop table day_capacity;
drop table slot_capacity;
drop table callback;
create table item (
    id         uuid primary key,
    account_id uuid not null,
    title      text not null check (length(title) between 1 and 200),
    created_at timestamptz not null default now()
);
create index item_account on item (account_id, created_at);
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute(DOWNGRADE)
