"""Initial schema: products, guarantees, people, contracts, beneficiaries, outbox, inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

"""
from typing import Sequence, Union

from alembic import op

from ms_events.outbox import INBOX_DDL_V1, OUTBOX_DDL_V1

revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = """
create table product (
    code                 text primary key,
    name                 text not null,
    category             text not null check (category in ('sante', 'prevoyance', 'retraite')),
    contribution_formula text,
    updated_at           timestamptz not null default now()
);

create table guarantee (
    product_code text not null references product (code) on delete cascade,
    code         text not null,
    label        text not null,
    care_type    text not null,
    rule_type    text not null,
    rate_pct     integer,
    amount_eur   numeric(12, 2),
    period       text not null,
    primary key (product_code, code)
);

-- name_key is the holder-matching normalisation (case, accents, hyphens, apostrophes,
-- spaces removed), computed by the domain; one row per person across contracts.
create table person (
    id          uuid primary key,
    last_name   text not null,
    first_name  text not null,
    birth_date  date not null,
    city        text,
    name_key    text not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    unique (name_key, birth_date)
);

create table contract (
    id              uuid primary key,
    contract_number text not null unique,
    category        text not null check (category in ('sante', 'prevoyance', 'retraite')),
    product_code    text not null references product (code),
    holder_id       uuid not null references person (id),
    member_number   text not null,
    start_date      date not null,
    end_date        date,
    registered_at   timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    check (end_date is null or end_date >= start_date)
);
create index contract_holder on contract (holder_id, category);

create table contract_beneficiary (
    contract_id  uuid not null references contract (id) on delete cascade,
    person_id    uuid not null references person (id),
    relationship text not null check (relationship in ('spouse', 'partner', 'child')),
    primary key (contract_id, person_id)
);
create index contract_beneficiary_person on contract_beneficiary (person_id);
"""


def upgrade() -> None:
    op.execute(SCHEMA)
    op.execute(OUTBOX_DDL_V1)
    op.execute(INBOX_DDL_V1)


def downgrade() -> None:
    op.execute(
        "drop table if exists inbox; drop table if exists outbox;"
        " drop table if exists contract_beneficiary; drop table if exists contract;"
        " drop table if exists person; drop table if exists guarantee;"
        " drop table if exists product;"
    )
