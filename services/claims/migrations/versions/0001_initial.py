"""Initial schema: contract projection, beneficiaries, statement lines, outbox, inbox.

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
-- Contracts' registry as claims needs it: who holds each contract (ContractRegistered).
create table contract_projection (
    contract_number text primary key,
    contract_id     uuid not null unique,
    holder_id       uuid not null,
    category        text not null,
    updated_at      timestamptz not null default now()
);
create index contract_projection_holder on contract_projection (holder_id);

-- The people care was given to, as the statements name them (one row per contract and person).
create table beneficiary (
    id              uuid primary key,
    contract_number text not null references contract_projection (contract_number),
    last_name       text not null,
    first_name      text not null,
    birth_date      date not null,
    person_key      text not null,
    unique (contract_number, person_key, birth_date)
);

-- One line of a statement (décompte): what was billed, what the AMO and the insurer paid.
create table statement_line (
    id              uuid primary key,
    source          text not null check (source in ('insurer', 'noemie', 'claim')),
    source_ref      text not null,
    contract_number text not null references contract_projection (contract_number),
    holder_id       uuid not null,
    beneficiary_id  uuid not null references beneficiary (id),
    care_date       date not null,
    care_type       text not null,
    billed          numeric(12, 2) not null check (billed >= 0),
    br              numeric(12, 2) not null check (br >= 0),
    amo             numeric(12, 2) not null check (amo >= 0),
    amc             numeric(12, 2) not null check (amc >= 0),
    out_of_pocket   numeric(12, 2) not null check (out_of_pocket >= 0),
    payment_date    date,
    paid_to         text,
    recorded_at     timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    unique (source, source_ref),
    check (billed = amo + amc + out_of_pocket)
);
-- The member's listing: newest care first, keyset on (care_date, id).
create index statement_line_holder on statement_line (holder_id, care_date desc, id desc);
"""


def upgrade() -> None:
    op.execute(SCHEMA)
    op.execute(OUTBOX_DDL_V1)
    op.execute(INBOX_DDL_V1)


def downgrade() -> None:
    op.execute("drop table inbox; drop table outbox; drop table statement_line; drop table beneficiary; "
               "drop table contract_projection;")
