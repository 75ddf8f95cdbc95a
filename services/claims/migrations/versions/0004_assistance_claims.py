"""Claims for costs advanced for an assistance service (AS-9): the member's assistance cases as
claims hears of them (assistance.request.v1, assistance.case.v1), and a claim's link to one.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = """
-- AssistanceRequested: whose request it is and the services it asked for (code and French label).
create table assistance_request_projection (
    request_id   uuid primary key,
    account_id   uuid not null,
    services     jsonb not null,
    requested_at timestamptz not null
);

-- AssistanceCaseOpened / AssistanceCaseStatusChanged: the case (dossier) number a member quotes.
create table assistance_case_projection (
    case_id     uuid primary key,
    case_number text not null unique,
    request_id  uuid not null,
    account_id  uuid not null,
    status      text not null,
    opened_at   timestamptz not null,
    updated_at  timestamptz not null default now()
);
create index assistance_case_projection_account on assistance_case_projection (account_id);

-- A claim is for care (care_type) or for an assistance service's advanced costs (the case).
alter table claim
    add column kind text not null default 'care' check (kind in ('care', 'assistance')),
    add column assistance_case_id uuid,
    add column assistance_case_number text,
    add column assistance_service text,
    add column assistance_service_label text,
    alter column care_type drop not null,
    add constraint claim_kind_fields check (
        (kind = 'care' and care_type is not null and assistance_case_id is null)
        or (kind = 'assistance' and care_type is null and assistance_case_id is not null
            and assistance_case_number is not null and assistance_service is not null));
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute("""
        delete from claim where kind = 'assistance';
        alter table claim drop constraint claim_kind_fields, alter column care_type set not null,
            drop column kind, drop column assistance_case_id, drop column assistance_case_number,
            drop column assistance_service, drop column assistance_service_label;
        drop table assistance_case_projection; drop table assistance_request_projection;
    """)
