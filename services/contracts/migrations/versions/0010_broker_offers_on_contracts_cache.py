"""The broker offers' notifications move to the ``contracts_cache`` channel (tag 'broker-offers').

Every write request awaits each of the process's caches to catch up (one NOTIFY round trip per
listening channel): one channel for the contract lists and the offers costs one round trip, not two.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0010"
down_revision: Union[str, Sequence[str], None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _function(channel: str, tag: str) -> str:
    return f"""
        create or replace function broker_offers_notify() returns trigger language plpgsql as $$
        begin
            perform pg_notify('{channel}', '{tag}');
            return null;
        end $$;
    """


def upgrade() -> None:
    op.execute(_function("contracts_cache", "broker-offers"))


def downgrade() -> None:
    op.execute(_function("contracts_broker_offers", "*"))
