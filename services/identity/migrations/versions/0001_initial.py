"""Accounts, email confirmations, sessions, security log, outbox and inbox.

Revision ID: 0001
"""
from alembic import op

from ms_events.outbox import INBOX_DDL_V1, OUTBOX_DDL_V1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create table account (
            id               uuid primary key,
            kind             text not null check (kind in ('member','employer','broker','agent','operator')),
            email            text not null,
            email_normalized text not null,
            member_number    text,
            first_name       text not null,
            last_name        text not null,
            birth_date       date,
            phone            text,
            person_id        uuid,
            category         text,
            contract_number  text,
            password_hash    text not null,
            status           text not null check (status in ('pending_confirmation','active','deleted')),
            created_at       timestamptz not null default now(),
            confirmed_at     timestamptz,
            updated_at       timestamptz not null default now()
        );
        create unique index account_email_unique on account (email_normalized) where status <> 'deleted';
        create unique index account_member_number_unique on account (member_number) where status <> 'deleted';
        create unique index account_contract_unique on account (contract_number) where status <> 'deleted';

        create table email_confirmation (
            token_hash bytea primary key,
            account_id uuid not null references account (id),
            expires_at timestamptz not null,
            used_at    timestamptz
        );
        create index email_confirmation_account on email_confirmation (account_id);

        create table session (
            id                 uuid primary key,
            account_id         uuid not null references account (id),
            refresh_token_hash bytea not null unique,
            family_id          uuid not null,
            client_ip          text,
            created_at         timestamptz not null default now(),
            expires_at         timestamptz not null,
            revoked_at         timestamptz
        );
        create index session_account on session (account_id);

        create table security_event (
            id         bigserial primary key,
            account_id uuid,
            kind       text not null,
            client_ip  text,
            detail     jsonb not null default '{}',
            created_at timestamptz not null default now()
        );
        create index security_event_account on security_event (account_id, created_at desc);
        """
    )
    op.execute(OUTBOX_DDL_V1)
    op.execute(INBOX_DDL_V1)


def downgrade() -> None:
    op.execute(
        "drop table inbox; drop table outbox; drop table security_event; drop table session;"
        " drop table email_confirmation; drop table account;"
    )
