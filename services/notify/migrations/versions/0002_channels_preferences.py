"""SMS and letter channels, phone and postal address in the contact projection, preferences.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = """
alter table contact alter column email drop not null;
alter table contact alter column first_name drop not null;
alter table contact alter column last_name drop not null;
alter table contact add column phone text;
alter table contact add column address jsonb;

alter table delivery alter column recipient drop not null;
alter table delivery drop constraint delivery_channel_check;
alter table delivery add constraint delivery_channel_check check (channel in ('email', 'sms', 'letter'));

create table notification_preference (
    account_id  uuid not null,
    category    text not null,
    channel     text not null check (channel in ('email', 'sms', 'letter')),
    accepted    boolean not null,
    updated_at  timestamptz not null default now(),
    primary key (account_id, category, channel)
);
"""

DOWNGRADE = """
drop table notification_preference;
delete from delivery where channel <> 'email';
alter table delivery drop constraint delivery_channel_check;
alter table delivery add constraint delivery_channel_check check (channel in ('email'));
update delivery set recipient = '' where recipient is null;
alter table delivery alter column recipient set not null;
alter table contact drop column address;
alter table contact drop column phone;
delete from contact where email is null or first_name is null or last_name is null;
alter table contact alter column email set not null;
alter table contact alter column first_name set not null;
alter table contact alter column last_name set not null;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
