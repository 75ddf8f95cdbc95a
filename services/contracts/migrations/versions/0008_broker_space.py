"""Broker space (issue 16, BR-1..BR-4): offers and tariff zones, projects, quotes.

Firms and collaborators live in identity (ADR 0013): rows here carry the firm id and the
creating account from the broker's token, nothing else about them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = """
create table broker_zone (
    code        text primary key,
    label       text not null,
    departments text[] not null
);

create table broker_offer (
    product_code        text primary key references product (code) on delete cascade,
    client_types        text[] not null,
    featured            boolean not null default false,
    summary             text not null default '',
    quote_validity_days integer not null check (quote_validity_days > 0),
    tariff              jsonb,
    updated_at          timestamptz not null default now()
);

create table broker_project (
    id              uuid primary key,
    firm_id         uuid not null,
    owner_id        uuid not null,
    client_type     text not null check (client_type in ('individual', 'self_employed', 'company')),
    client_name     text not null,
    client_email    text,
    client_postcode text,
    status          text not null default 'draft' check (status in ('draft', 'sent', 'signed', 'lost')),
    signed_quote_id uuid,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
create index broker_project_firm on broker_project (firm_id, updated_at desc, id);

create sequence broker_quote_number;

create table broker_quote (
    id           uuid primary key,
    number       text not null unique,
    firm_id      uuid not null,
    created_by   uuid not null,
    project_id   uuid references broker_project (id),
    product_code text not null references product (code),
    inputs       jsonb not null,
    result       jsonb not null,
    monthly_eur  numeric(12, 2) not null,
    created_at   timestamptz not null default now(),
    valid_until  date not null,
    pdf          bytea not null
);
create index broker_quote_firm on broker_quote (firm_id, created_at desc);
create index broker_quote_project on broker_quote (project_id);
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute(
        "drop table if exists broker_quote; drop sequence if exists broker_quote_number;"
        " drop table if exists broker_project; drop table if exists broker_offer; drop table if exists broker_zone;"
    )
