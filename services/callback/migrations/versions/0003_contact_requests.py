"""Contact requests and complaints with their attachments (CB-4).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = """
create table contact_request (
    id               uuid primary key,
    -- null once erased (AccountDeleted), as are the texts
    account_id       uuid,
    kind             text not null check (kind in ('complaint', 'request')),
    category         text not null check (category in ('contract', 'contribution_amount', 'disputed_debit', 'quote', 'other')),
    contract_id      uuid,
    message          text check (length(message) between 1 and 5000),
    status           text not null check (status in ('received', 'acknowledged', 'answered')),
    received_at      timestamptz not null,
    acknowledge_by   timestamptz,
    acknowledged_at  timestamptz,
    answer_by        timestamptz not null,
    answered_at      timestamptz,
    answer           text check (length(answer) between 1 and 10000),
    idempotency_key  text check (length(idempotency_key) between 1 and 200),
    erased_at        timestamptz
);
create index contact_request_account on contact_request (account_id, received_at desc) where account_id is not null;
create index contact_request_open on contact_request (answer_by) where status <> 'answered';
create unique index contact_request_idempotency on contact_request (account_id, idempotency_key)
    where idempotency_key is not null;

create table attachment (
    id          uuid primary key,
    request_id  uuid not null references contact_request (id) on delete cascade,
    filename    text not null check (length(filename) between 1 and 200),
    media_type  text not null check (media_type in ('application/pdf', 'image/jpeg', 'image/png')),
    size        integer not null check (size > 0),
    sha256      text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    content     bytea not null
);
create index attachment_request on attachment (request_id);
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute("drop table attachment; drop table contact_request;")
