"""Member-submitted claims (CL-4) and their supporting documents.

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
create table claim (
    id              uuid primary key,
    account_id      uuid not null,
    holder_id       uuid not null,
    contract_number text not null references contract_projection (contract_number),
    care_type       text not null,
    care_date       date not null,
    billed          numeric(12, 2) not null check (billed > 0),
    status          text not null default 'received'
                    check (status in ('received', 'under_analysis', 'processed', 'paid', 'rejected')),
    idempotency_key text,
    created_at      timestamptz not null default now(),
    unique (account_id, idempotency_key)
);
create index claim_account on claim (account_id, created_at desc, id desc);

-- Files live in the object store (storage_key); the row keeps what proves them (sha256).
create table claim_document (
    id          uuid primary key,
    claim_id    uuid not null references claim (id) on delete cascade,
    position    int not null,
    file_name   text not null,
    media_type  text not null,
    size_bytes  int not null check (size_bytes > 0),
    sha256      text not null,
    storage_key text not null unique,
    unique (claim_id, position)
);
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute("drop table claim_document; drop table claim;")
