"""A project signed in the broker space registers the client's contract (BR-3, BR-4).

The contract row carries the firm, the collaborator who signed it, the project and the quote
subscribed (with its monthly contribution), so the dashboard counts the firm's contracts in
force and their contributions. Broker-sold contract numbers are ``CB-<year>-<n>`` (the quote's
number): they never take the shape of an insurer's number (six digits), so an import cannot
collide with them. Member numbers come from a sequence of their own.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0012"
down_revision: Union[str, Sequence[str], None] = "0011"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("""
        create sequence broker_member_number minvalue 8000000 maxvalue 8999999 start 8000000;
        alter table contract add column broker_firm_id uuid,
                             add column broker_owner_id uuid,
                             add column broker_project_id uuid references broker_project (id),
                             add column broker_quote_id uuid references broker_quote (id),
                             add column monthly_eur numeric(12, 2);
        create unique index contract_broker_project on contract (broker_project_id) where broker_project_id is not null;
        create index contract_broker_firm on contract (broker_firm_id, broker_owner_id) where broker_firm_id is not null;
    """)


def downgrade() -> None:
    op.execute("""
        drop index if exists contract_broker_firm;
        drop index if exists contract_broker_project;
        alter table contract drop column if exists monthly_eur, drop column if exists broker_quote_id,
                             drop column if exists broker_project_id, drop column if exists broker_owner_id,
                             drop column if exists broker_firm_id;
        drop sequence if exists broker_member_number;
    """)
