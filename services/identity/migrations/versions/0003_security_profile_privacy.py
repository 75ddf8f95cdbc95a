"""Password resets, refresh-token rotation, sign-in throttling, profile, email change,
two-factor authentication, account deletion and linked accounts.

Revision ID: 0003
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        alter table account
            add column address           jsonb,
            add column city              text,
            add column two_factor_method text check (two_factor_method in ('totp','sms')),
            add column totp_secret       text,
            add column pending_totp_secret text,
            add column password_changed_at timestamptz,
            add column deleted_at        timestamptz;

        alter table session
            add column device       text,
            add column refreshed_at timestamptz,
            add column revoked_reason text;
        create index session_revoked_at on session (revoked_at) where revoked_at is not null;
        create index session_family on session (family_id);

        create table spent_refresh_token (
            token_hash bytea primary key,
            session_id uuid not null references session (id),
            spent_at   timestamptz not null default now()
        );

        create table password_reset (
            token_hash bytea primary key,
            account_id uuid not null references account (id),
            created_at timestamptz not null default now(),
            expires_at timestamptz not null,
            used_at    timestamptz
        );
        create index password_reset_account on password_reset (account_id);

        create table email_change (
            token_hash           bytea primary key,
            account_id           uuid not null references account (id),
            new_email            text not null,
            new_email_normalized text not null,
            created_at           timestamptz not null default now(),
            expires_at           timestamptz not null,
            used_at              timestamptz
        );
        create index email_change_account on email_change (account_id);

        -- Failed sign-ins, keyed by a hash of the identifier typed (known or not), so that
        -- throttling answers the same for an address with or without an account.
        create table sign_in_failure (
            id              bigserial primary key,
            identifier_hash bytea not null,
            account_id      uuid,
            client_ip       text,
            created_at      timestamptz not null default now()
        );
        create index sign_in_failure_identifier on sign_in_failure (identifier_hash, created_at);
        create index sign_in_failure_ip on sign_in_failure (client_ip, created_at);

        create table two_factor_challenge (
            token_hash    bytea primary key,
            account_id    uuid not null references account (id),
            method        text not null,
            sms_code_hash bytea,
            client_ip     text,
            device        text,
            attempts      int not null default 0,
            created_at    timestamptz not null default now(),
            expires_at    timestamptz not null,
            used_at       timestamptz
        );
        create index two_factor_challenge_account on two_factor_challenge (account_id);

        -- SMS enrolment: the code sent to the phone before SMS becomes the second factor.
        create table sms_enrolment (
            account_id uuid primary key references account (id),
            code_hash  bytea not null,
            attempts   int not null default 0,
            expires_at timestamptz not null
        );

        create table recovery_code (
            account_id uuid not null references account (id),
            code_hash  bytea not null,
            used_at    timestamptz,
            primary key (account_id, code_hash)
        );

        create table known_device (
            account_id  uuid not null references account (id),
            device_hash bytea not null,
            first_seen  timestamptz not null default now(),
            primary key (account_id, device_hash)
        );

        -- ID-12: accounts of other categories the person proved they hold.
        create table linked_account (
            account_id        uuid not null references account (id),
            linked_account_id uuid not null references account (id),
            linked_at         timestamptz not null default now(),
            primary key (account_id, linked_account_id),
            check (account_id <> linked_account_id)
        );
        create index linked_account_reverse on linked_account (linked_account_id);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        drop table linked_account; drop table known_device; drop table recovery_code;
        drop table sms_enrolment; drop table two_factor_challenge; drop table sign_in_failure;
        drop table email_change; drop table password_reset; drop table spent_refresh_token;
        drop index session_family; drop index session_revoked_at;
        alter table session drop column device, drop column refreshed_at, drop column revoked_reason;
        alter table account drop column address, drop column city, drop column two_factor_method,
            drop column totp_secret, drop column pending_totp_secret, drop column password_changed_at,
            drop column deleted_at;
        """
    )
