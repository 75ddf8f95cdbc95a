"""Pre-registered employees (ID-13): accounts made from affiliation's EmployeeAffiliated, waiting
for their activation; the activation links and codes (only their SHA-256 is stored).

An employee affiliated without an email has no address until they activate (the postal letter's
code), and no password until then: email and password_hash may be null, for those accounts only.

Revision ID: 0005
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        alter table account drop constraint account_status_check;
        alter table account add constraint account_status_check
            check (status in ('pre_registered','pending_confirmation','active','deleted'));
        alter table account alter column email drop not null,
                            alter column email_normalized drop not null,
                            alter column password_hash drop not null;
        alter table account add constraint account_email_unless_pre_registered
            check (status = 'pre_registered' or (email is not null and password_hash is not null));
        alter table account add column affiliation_employee_id uuid;
        create unique index account_affiliation_employee on account (affiliation_employee_id)
            where affiliation_employee_id is not null;

        create table account_activation (
            token_hash bytea primary key,
            account_id uuid not null references account (id),
            channel    text not null check (channel in ('email','letter')),
            expires_at timestamptz not null,
            used_at    timestamptz
        );
        create index account_activation_account on account_activation (account_id);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        drop table account_activation;
        drop index account_affiliation_employee;
        alter table account drop column affiliation_employee_id;
        alter table account drop constraint account_email_unless_pre_registered;
        delete from account where status = 'pre_registered';
        alter table account alter column email set not null, alter column email_normalized set not null,
                            alter column password_hash set not null;
        alter table account drop constraint account_status_check;
        alter table account add constraint account_status_check
            check (status in ('pending_confirmation','active','deleted'));
        """
    )
