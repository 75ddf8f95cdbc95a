"""The broker offers' cache (adapters/offer_cache.py): a statement that changes offers, zones,
products or guarantees sends NOTIFY contracts_broker_offers '*' in its transaction.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ("broker_offer", "broker_zone", "product", "guarantee")


def upgrade() -> None:
    op.execute("""
        create function broker_offers_notify() returns trigger language plpgsql as $$
        begin
            perform pg_notify('contracts_broker_offers', '*');
            return null;
        end $$;
    """)
    for table in TABLES:
        op.execute(f"create trigger {table}_broker_offers after insert or update or delete or truncate on {table}"
                   " for each statement execute function broker_offers_notify()")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"drop trigger if exists {table}_broker_offers on {table}")
    op.execute("drop function if exists broker_offers_notify()")
