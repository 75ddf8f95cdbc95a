"""Partner applications ("Devenir courtier partenaire", BR-5): a public form the back office
answers within 72 business hours, accepted (the firm registered at identity) or refused.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = """
create table partner_application (
    id              uuid primary key,
    firm_name       text not null check (length(firm_name) between 1 and 120),
    orias           text not null check (orias ~ '^[0-9]{8}$'),
    siren           text not null check (siren ~ '^[0-9]{9}$'),
    first_name      text not null check (length(first_name) between 1 and 100),
    last_name       text not null check (length(last_name) between 1 and 100),
    email           text not null check (length(email) between 3 and 254),
    phone           text not null check (phone ~ '^\\+[0-9]{6,15}$'),
    status          text not null default 'received' check (status in ('received', 'accepted', 'refused')),
    received_at     timestamptz not null,
    answer_by       timestamptz not null,
    decided_at      timestamptz,
    decided_by      uuid,
    refusal_reason  text check (length(refusal_reason) between 1 and 2000),
    broker_firm_id  uuid
);
create index partner_application_pending on partner_application (answer_by, id) where status = 'received';
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute("drop table if exists partner_application;")
