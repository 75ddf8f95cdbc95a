"""Initial schema: contact projection, deliveries, outbox and inbox.

Revision ID: 0001
Revises:
"""

from alembic import op

from ms_events.outbox import INBOX_DDL_V1, OUTBOX_DDL_V1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CONTACT = """
create table contact (
    account_id  uuid primary key,
    email       text not null,
    first_name  text not null,
    last_name   text not null,
    updated_at  timestamptz not null default now()
);
"""

# Bodies are nullable: they are emptied once the message is sent or given up, since they
# may hold single-use secrets (confirmation links) that have no use after sending.
DELIVERY = """
create table delivery (
    id               uuid primary key,
    source_event_id  uuid not null,
    channel          text not null check (channel in ('email')),
    template         text not null,
    account_id       uuid,
    recipient        text not null,
    subject          text,
    body_text        text,
    body_html        text,
    message_id       text not null unique,
    status           text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
    attempts         integer not null default 0,
    next_attempt_at  timestamptz not null default now(),
    last_error       text,
    created_at       timestamptz not null default now(),
    sent_at          timestamptz,
    failed_at        timestamptz,
    constraint delivery_once_per_event_and_channel unique (source_event_id, channel)
);
create index delivery_due on delivery (next_attempt_at) where status = 'pending';
create index delivery_by_account on delivery (account_id, created_at desc);
"""


def upgrade() -> None:
    op.execute(CONTACT)
    op.execute(DELIVERY)
    op.execute(OUTBOX_DDL_V1)
    op.execute(INBOX_DDL_V1)


def downgrade() -> None:
    op.execute("drop table inbox; drop table outbox; drop table delivery; drop table contact;")
