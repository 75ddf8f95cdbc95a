"""Issue 15: what identity learns from affiliation.

- ``company``: the name of each company registered in the employer space (affiliation's
  ``CompanyRegistered``), so an employer user's invitation names the company, not its SIREN.
- ``affiliated_account``: an affiliated employee whose email already had a member space (ID-13):
  the group contract joins that account instead of a pre-registered one. ``joined_at`` is set once
  contracts' membership of the group contract is known and handed to the account's person
  (``ExistingAccountAffiliated``); ``category`` then counts among the account's token categories.

Revision ID: 0008
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create table company (
            siren       text primary key,
            name        text not null,
            recorded_at timestamptz not null default now()
        );
        create table affiliated_account (
            employee_id     uuid primary key,
            account_id      uuid not null references account (id) on delete cascade,
            siren           text not null,
            company_name    text not null,
            contract_number text not null,
            category        text not null,
            recorded_at     timestamptz not null default now(),
            joined_at       timestamptz
        );
        create index affiliated_account_account on affiliated_account (account_id);
        """
    )


def downgrade() -> None:
    op.execute("drop table affiliated_account; drop table company")
