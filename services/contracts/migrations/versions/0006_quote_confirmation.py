"""A prospect's quote request waits unconfirmed until the address is confirmed (issue 11, finding 5).

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        alter table contract_request drop constraint contract_request_status_check;
        alter table contract_request add constraint contract_request_status_check
              check (status in ('unconfirmed', 'received', 'in_progress', 'answered', 'cancelled'));
        alter table contract_request add column confirmation_token_hash bytea,
                                     add column confirmation_expires_at timestamptz,
                                     add column confirmed_at timestamptz;
        create unique index contract_request_confirmation on contract_request (confirmation_token_hash)
               where confirmation_token_hash is not null;
        create index contract_request_unconfirmed on contract_request (lower(email), confirmation_expires_at)
               where status = 'unconfirmed';
        """
    )


def downgrade() -> None:
    op.execute(
        """
        delete from contract_request where status = 'unconfirmed';
        drop index contract_request_unconfirmed;
        drop index contract_request_confirmation;
        alter table contract_request drop column confirmation_token_hash, drop column confirmation_expires_at,
                                     drop column confirmed_at;
        alter table contract_request drop constraint contract_request_status_check;
        alter table contract_request add constraint contract_request_status_check
              check (status in ('received', 'in_progress', 'answered', 'cancelled'));
        """
    )
