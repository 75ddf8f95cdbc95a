"""NOTIFY assistance_contracts when contracts' projection changes a holder's contracts.

The payload is the holder's id (the old and the new one on an update). The API processes keep
each holder's contracts in memory for the catalogue read (adapters/contracts_cache.py) and drop
the holder's copy when the worker's writing transaction commits.

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
create function assistance_contracts_notify() returns trigger language plpgsql as $$
begin
    if tg_op <> 'INSERT' then perform pg_notify('assistance_contracts', old.holder_id::text); end if;
    if tg_op <> 'DELETE' then perform pg_notify('assistance_contracts', new.holder_id::text); end if;
    return null;
end $$;

create trigger contract_projection_cache after insert or update or delete on contract_projection
    for each row execute function assistance_contracts_notify();
create trigger contract_projection_cache_truncate after truncate on contract_projection
    for each statement execute function assistance_contracts_truncate_notify();
"""

TRUNCATE = """
create function assistance_contracts_truncate_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('assistance_contracts', '*');
    return null;
end $$;
"""


def upgrade() -> None:
    op.execute(TRUNCATE + SCHEMA)


def downgrade() -> None:
    op.execute(
        "drop trigger if exists contract_projection_cache_truncate on contract_projection;"
        " drop trigger if exists contract_projection_cache on contract_projection;"
        " drop function if exists assistance_contracts_notify();"
        " drop function if exists assistance_contracts_truncate_notify();"
    )
