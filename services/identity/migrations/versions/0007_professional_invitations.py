"""Professional users invited by link (issue 15 employer users, issue 16 / ID-14 broker firms).

- ``invited`` accounts: an employer or broker user waiting for their invitation to be accepted
  (email set, no password yet).
- ``org_role``: an employer user is ``admin`` or ``user`` of their company; a broker user ``admin`` or
  ``collaborator`` of their firm. Employer users made before (operator command) are admins.
- ``broker_firm``: a firm (cabinet) with its ORIAS number and SIREN, the offers it distributes and
  how its clients' contributions are collected; ``account.broker_firm_id`` ties its people to it.
- ``broker_access``: each broker user's offers and autonomy level (ADR 0013's token claims).
- ``invitation``: the single-use links (only their SHA-256 is stored).

Revision ID: 0007
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        alter table account drop constraint account_status_check;
        alter table account add constraint account_status_check
            check (status in ('pre_registered','invited','pending_confirmation','active','deleted'));
        alter table account drop constraint account_email_unless_pre_registered;
        alter table account add constraint account_email_unless_pre_registered
            check (status = 'pre_registered' or (status = 'invited' and email is not null)
                   or (email is not null and password_hash is not null));

        create table broker_firm (
            id                      uuid primary key,
            name                    text not null,
            orias                   text not null,
            siren                   text not null,
            contact_name            text,
            contact_email           text,
            contact_phone           text,
            offers                  text[] not null default '{}',
            contribution_collection text not null check (contribution_collection in ('insurer','broker')),
            created_at              timestamptz not null default now()
        );
        create unique index broker_firm_orias on broker_firm (orias);

        alter table account add column org_role text
            check (org_role is null or org_role in ('admin','user','collaborator'));
        alter table account add column broker_firm_id uuid references broker_firm (id);
        create index account_broker_firm on account (broker_firm_id) where broker_firm_id is not null;
        create index account_company_siren on account (company_siren) where company_siren is not null;
        update account set org_role = 'admin' where kind = 'employer';

        create table broker_access (
            account_id          uuid primary key references account (id),
            offers              text[] not null default '{}',
            autonomy            text not null check (autonomy in ('quote_only','subscribe_up_to','full')),
            subscribe_limit_eur numeric(12, 2),
            updated_at          timestamptz not null default now(),
            check ((autonomy = 'subscribe_up_to') = (subscribe_limit_eur is not null))
        );

        create table invitation (
            token_hash bytea primary key,
            account_id uuid not null references account (id),
            invited_by uuid,
            created_at timestamptz not null default now(),
            expires_at timestamptz not null,
            used_at    timestamptz
        );
        create index invitation_account on invitation (account_id);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        drop table invitation;
        drop table broker_access;
        drop index account_company_siren;
        alter table account drop column broker_firm_id, drop column org_role;
        drop table broker_firm;
        update account set status = 'deleted', password_hash = coalesce(password_hash, '!') where status = 'invited';
        alter table account drop constraint account_email_unless_pre_registered;
        alter table account add constraint account_email_unless_pre_registered
            check (status = 'pre_registered' or (email is not null and password_hash is not null));
        alter table account drop constraint account_status_check;
        alter table account add constraint account_status_check
            check (status in ('pre_registered','pending_confirmation','active','deleted'));
        """
    )
