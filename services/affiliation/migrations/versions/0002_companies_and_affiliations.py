"""Companies, group contracts, affiliation requests, employees, invitations, journal; the
scaffold's example items go.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = """
drop table item;

create table company (
    siren        text primary key check (siren ~ '^[0-9]{9}$'),
    name         text not null check (length(name) between 1 and 200),
    notice_email text not null,
    created_at   timestamptz not null default now()
);

create table group_contract (
    id                   uuid primary key,
    siren                text not null references company (siren),
    contract_number      text not null unique,
    -- contracts' id of the same contract: BeneficiaryAdded names it (AF-5)
    contracts_contract_id uuid unique,
    category             text not null check (category in ('sante', 'prevoyance')),
    label                text not null,
    contribution_formula text not null check (contribution_formula in ('family', 'supplementary_company_contribution')),
    start_date           date not null,
    options              text[] not null default '{}',
    created_at           timestamptz not null default now()
);
create index group_contract_company on group_contract (siren);

create table affiliation_request (
    id               uuid primary key,
    siren            text not null references company (siren),
    group_contract_id uuid not null references group_contract (id),
    origin           text not null check (origin in ('employer', 'invitation')),
    status           text not null check (status in ('received', 'in_review', 'affiliated', 'rejected')),
    first_name       text not null,
    last_name        text not null,
    birth_date       date not null,
    nir              text not null,
    email            text,
    address          jsonb not null,
    options          text[] not null default '{}',
    beneficiaries    jsonb not null default '[]',
    start_date       date not null,
    account_id       uuid,
    invitation_id    uuid,
    review_reason    text,
    rejection_reason text,
    employee_id      uuid,
    received_at      timestamptz not null,
    due_at           timestamptz not null,
    processed_at     timestamptz
);
create index affiliation_request_company on affiliation_request (siren, received_at desc, id);
create index affiliation_request_due on affiliation_request (status, due_at) where status in ('received', 'in_review');
-- One open request per employee and company (a concurrent duplicate fails here).
create unique index affiliation_request_open_nir on affiliation_request (siren, nir)
    where status in ('received', 'in_review');
create index affiliation_request_account on affiliation_request (account_id) where account_id is not null;

create table employee (
    id                uuid primary key,
    siren             text not null references company (siren),
    group_contract_id uuid not null references group_contract (id),
    request_id        uuid references affiliation_request (id),
    source            text not null check (source in ('online', 'offline')),
    first_name        text not null,
    last_name         text not null,
    birth_date        date not null,
    nir               text not null,
    email             text,
    address           jsonb not null,
    options           text[] not null default '{}',
    start_date        date not null,
    affiliated_at     timestamptz not null,
    unique (siren, nir)
);
create index employee_list on employee (siren, last_name, first_name, id);
create index employee_nir on employee (nir);

create table invitation (
    id                uuid primary key,
    siren             text not null references company (siren),
    group_contract_id uuid not null references group_contract (id),
    email             text not null,
    first_name        text not null,
    last_name         text not null,
    token_hash        bytea not null unique,
    account_id        uuid,
    expires_at        timestamptz not null,
    used_at           timestamptz,
    request_id        uuid,
    created_at        timestamptz not null default now()
);
create index invitation_company on invitation (siren, created_at desc);
create index invitation_account on invitation (account_id) where account_id is not null;

-- The company space's journal (AF-7): one line per event of any context about the company.
create table journal (
    id          bigserial primary key,
    event_id    uuid not null unique,
    siren       text not null,
    occurred_at timestamptz not null,
    day         date not null,
    kind        text not null,
    summary     text not null,
    subject     text,
    account_id  uuid,
    ref_id      uuid
);
create index journal_company on journal (siren, occurred_at desc, id);
create index journal_account on journal (account_id) where account_id is not null;
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute("drop table journal; drop table invitation; drop table employee; drop table affiliation_request; "
               "drop table group_contract; drop table company; "
               "create table item (id uuid primary key, account_id uuid not null, title text not null, "
               "created_at timestamptz not null default now());")
