"""Member features: beneficiaries' NIR, bank accounts, requests, terminations, schedules.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = """
-- Social security number (NIR) of a beneficiary added online; the import does not carry it.
alter table person add column nir text;

-- Where a person's reimbursements are paid; person_id = holder_id for the holder's own account.
create table bank_account (
    holder_id      uuid not null references person (id),
    person_id      uuid not null references person (id),
    iban           text not null,
    bic            text,
    account_holder text not null,
    updated_at     timestamptz not null default now(),
    primary key (holder_id, person_id)
);

-- "Mes demandes": guarantee changes (CT-7) and quotes (CT-10), answered within 72 hours.
create table contract_request (
    id          uuid primary key,
    kind        text not null check (kind in ('guarantee_change', 'quote')),
    status      text not null default 'received'
                check (status in ('received', 'in_progress', 'answered', 'cancelled')),
    account_id  uuid,
    holder_id   uuid references person (id),
    contract_id uuid references contract (id),
    email       text,
    first_name  text,
    last_name   text,
    details     jsonb not null default '{}',
    created_at  timestamptz not null default now(),
    due_at      timestamptz not null
);
create index contract_request_account on contract_request (account_id, created_at desc);
create index contract_request_holder on contract_request (holder_id);

-- Termination in 3 steps (CT-9): a draft holds the request, only confirmation terminates.
create table termination (
    id             uuid primary key,
    contract_id    uuid not null references contract (id),
    holder_id      uuid not null references person (id),
    account_id     uuid,
    reason         text not null,
    event_date     date,
    summary        text,
    status         text not null check (status in ('draft', 'confirmed')),
    effective_date date,
    created_at     timestamptz not null default now(),
    confirmed_at   timestamptz
);
create unique index termination_confirmed_once on termination (contract_id) where status = 'confirmed';
create index termination_holder on termination (holder_id);

-- Contribution schedule (échéancier, CT-5), from the insurer's import.
create table contribution_schedule (
    contract_id uuid not null references contract (id) on delete cascade,
    due_date    date not null,
    amount_eur  numeric(12, 2) not null check (amount_eur >= 0),
    primary key (contract_id, due_date)
);
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute(
        "drop table if exists contribution_schedule; drop table if exists termination;"
        " drop table if exists contract_request; drop table if exists bank_account;"
        " alter table person drop column if exists nir;"
    )
