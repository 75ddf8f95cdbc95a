"""Broker quotes and projects accept an Idempotency-Key: a retry returns the first one.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0011"
down_revision: Union[str, Sequence[str], None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("""
        alter table broker_quote add column idempotency_key text check (length(idempotency_key) between 1 and 200);
        create unique index broker_quote_idempotency on broker_quote (created_by, idempotency_key)
            where idempotency_key is not null;
        alter table broker_project add column idempotency_key text check (length(idempotency_key) between 1 and 200);
        create unique index broker_project_idempotency on broker_project (owner_id, idempotency_key)
            where idempotency_key is not null;
    """)


def downgrade() -> None:
    op.execute("""
        drop index if exists broker_project_idempotency; alter table broker_project drop column if exists idempotency_key;
        drop index if exists broker_quote_idempotency; alter table broker_quote drop column if exists idempotency_key;
    """)
