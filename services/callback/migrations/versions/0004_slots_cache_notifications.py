"""NOTIFY callback_slots when what GET /v1/callback-slots shows may change.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

Any write to callbacks or capacities drops every API process's cached slot lists at commit
(adapters/slots_cache.py): statement-level triggers, one notification per statement.
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

UPGRADE = """
create function callback_slots_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('callback_slots', '*');
    return null;
end $$;
create trigger callback_slots_notify after insert or update or delete on callback
    for each statement execute function callback_slots_notify();
create trigger slot_capacity_slots_notify after insert or update or delete on slot_capacity
    for each statement execute function callback_slots_notify();
create trigger day_capacity_slots_notify after insert or update or delete on day_capacity
    for each statement execute function callback_slots_notify();
"""

DOWNGRADE = """
drop trigger day_capacity_slots_notify on day_capacity;
drop trigger slot_capacity_slots_notify on slot_capacity;
drop trigger callback_slots_notify on callback;
drop function callback_slots_notify();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
