"""NOTIFY contracts_cache when what a member's contract list shows changes.

The payload is the holder's id, or '*' when a person's name or a product's name changed (shown
in every list). API processes drop their cached lists when the writing transaction commits.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = """
create function contracts_cache_notify() returns trigger language plpgsql as $$
begin
    if tg_table_name = 'contract' then
        if tg_op <> 'INSERT' then perform pg_notify('contracts_cache', old.holder_id::text); end if;
        if tg_op <> 'DELETE' then perform pg_notify('contracts_cache', new.holder_id::text); end if;
    elsif tg_table_name = 'contract_beneficiary' then
        perform pg_notify('contracts_cache', c.holder_id::text) from contract c
         where c.id = case when tg_op = 'INSERT' then new.contract_id else old.contract_id end
            or c.id = case when tg_op = 'DELETE' then old.contract_id else new.contract_id end;
    else
        perform pg_notify('contracts_cache', '*');
    end if;
    return null;
end $$;

create trigger contract_cache after insert or update or delete on contract
    for each row execute function contracts_cache_notify();
create trigger contract_beneficiary_cache after insert or update or delete on contract_beneficiary
    for each row execute function contracts_cache_notify();
create trigger person_cache after update on person for each row
    when ((old.last_name, old.first_name, old.birth_date) is distinct from (new.last_name, new.first_name, new.birth_date))
    execute function contracts_cache_notify();
create trigger product_cache after update on product for each row
    when (old.name is distinct from new.name) execute function contracts_cache_notify();
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute(
        "drop trigger if exists product_cache on product; drop trigger if exists person_cache on person;"
        " drop trigger if exists contract_beneficiary_cache on contract_beneficiary;"
        " drop trigger if exists contract_cache on contract; drop function if exists contracts_cache_notify();"
    )
