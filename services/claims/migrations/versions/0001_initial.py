"""Initial schema: items, outbox, inbox.

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
    op.execute(OUTBOX_DDL_V1)
    op.execute(INBOX_DDL_V1)


def downgrade() -> None:
    op.execute("drop table inbox; drop table outbox; drop table item;")
