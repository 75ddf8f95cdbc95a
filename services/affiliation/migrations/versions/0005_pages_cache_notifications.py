"""Notifications that empty the employee list pages' cache (adapters/pages_cache.py): every row
written to employee, group_contract or company sends NOTIFY affiliation_pages with its company's
SIREN (PostgreSQL sends one per distinct SIREN and transaction, at commit).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = """
create function affiliation_pages_notify() returns trigger language plpgsql as $$
begin
    if tg_op <> 'INSERT' then perform pg_notify('affiliation_pages', old.siren); end if;
    if tg_op <> 'DELETE' then perform pg_notify('affiliation_pages', new.siren); end if;
    return null;
end $$;

create trigger employee_pages_notify after insert or update or delete on employee
    for each row execute function affiliation_pages_notify();
create trigger group_contract_pages_notify after update or delete on group_contract
    for each row execute function affiliation_pages_notify();
create trigger company_pages_notify after update or delete on company
    for each row execute function affiliation_pages_notify();
-- TRUNCATE has no rows: every page goes.
create function affiliation_pages_notify_all() returns trigger language plpgsql as $$
begin
    perform pg_notify('affiliation_pages', '*');
    return null;
end $$;
create trigger employee_pages_truncate after truncate on employee
    for each statement execute function affiliation_pages_notify_all();
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute(
        "drop trigger if exists employee_pages_truncate on employee;"
        " drop trigger if exists company_pages_notify on company;"
        " drop trigger if exists group_contract_pages_notify on group_contract;"
        " drop trigger if exists employee_pages_notify on employee;"
        " drop function if exists affiliation_pages_notify_all(); drop function if exists affiliation_pages_notify();")
