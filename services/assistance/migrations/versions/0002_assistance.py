"""Assistance: contracts' projection, requests and their selections, cases, the agents' access log,
addresses and school trips (AS-1..AS-8, AS-10); the scaffold's example items go.

Health data (the declared event, the questionnaire's answers) is only ever stored sealed
(``*_sealed`` columns: AES-GCM, see adapters/health_cipher.py).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = """
drop table item;

-- contracts' ContractRegistered, kept for eligibility (holder, product, dates).
create table contract_projection (
    contract_id  uuid primary key,
    holder_id    uuid not null,
    product_code text not null,
    category     text not null,
    start_date   date not null,
    end_date     date,
    updated_at   timestamptz not null default now()
);
create index contract_projection_holder on contract_projection (holder_id);

create table address (
    id            uuid primary key,
    account_id    uuid not null,
    label         text not null check (length(label) between 1 and 60),
    street_number text check (length(street_number) between 1 and 10),
    street        text not null check (length(street) between 1 and 120),
    postcode      text not null check (postcode ~ '^[0-9]{5}$'),
    city          text not null check (length(city) between 1 and 80),
    created_at    timestamptz not null
);
create index address_account on address (account_id, created_at);

create table assistance_request (
    id                uuid primary key,
    account_id        uuid not null,
    contract_id       uuid not null,
    product_code      text not null,
    status            text not null check (status in ('draft', 'validated', 'to_check', 'case_opened')),
    -- AS-10: the declared event and the answers, sealed; never in clear.
    declaration_sealed text not null,
    answers_sealed    text,
    -- HMAC of (contract, event, date) per key: the quota per event across requests, unread.
    event_fingerprint text not null,
    phone             text check (phone is null or phone ~ '^\\+[0-9]{8,15}$'),
    idempotency_key   text unique,
    missing           jsonb,
    check_by          timestamptz,
    created_at        timestamptz not null,
    validated_at      timestamptz,
    updated_at        timestamptz not null
);
create index assistance_request_account on assistance_request (account_id, created_at);
create index assistance_request_fingerprint on assistance_request (event_fingerprint);
create index assistance_request_to_check on assistance_request (check_by) where status = 'to_check';

create table selection (
    id         uuid primary key,
    request_id uuid not null references assistance_request (id) on delete cascade,
    position   integer not null,
    service    text not null,
    day        date not null,
    slot_start timestamptz not null,
    slot_end   timestamptz not null check (slot_end > slot_start),
    quantity   integer not null check (quantity between 1 and 1000),
    address_id uuid references address (id),
    unique (request_id, position)
);
create index selection_address on selection (address_id);

create sequence case_number_seq;

create table assistance_case (
    id                uuid primary key,
    request_id        uuid not null unique references assistance_request (id) on delete cascade,
    account_id        uuid not null,
    case_number       text unique,
    status            text not null check (status in ('to_check', 'opened', 'in_progress', 'services_scheduled',
                                                      'closed', 'cancelled')),
    opened_by         text,
    assigned_agent_id uuid,
    opened_at         timestamptz,
    created_at        timestamptz not null,
    updated_at        timestamptz not null
);
create index assistance_case_status on assistance_case (status, created_at);

create table case_status_history (
    case_id    uuid not null references assistance_case (id) on delete cascade,
    status     text not null,
    changed_by text not null,
    changed_at timestamptz not null
);
create index case_status_history_case on case_status_history (case_id, changed_at);

-- AS-10: every read of a request's health data by an agent; the member sees it.
create table health_data_access (
    id         bigserial primary key,
    request_id uuid not null references assistance_request (id) on delete cascade,
    agent_id   uuid not null,
    purpose    text not null,
    read_at    timestamptz not null
);
create index health_data_access_request on health_data_access (request_id, read_at);

create table school_trip (
    id                  uuid primary key,
    account_id          uuid not null,
    contract_id         uuid not null,
    child_id            uuid not null,
    child_first_name    text not null,
    from_address_id     uuid not null references address (id),
    to_address_id       uuid not null references address (id),
    pickup_at           timestamptz not null,
    status              text not null check (status in ('planned', 'cancelled')),
    carrier_sent_at     timestamptz,
    carrier_reference   text,
    carrier_cancel_sent_at timestamptz,
    created_at          timestamptz not null
);
create index school_trip_account on school_trip (account_id, pickup_at);
create index school_trip_from on school_trip (from_address_id) where status = 'planned';
create index school_trip_to on school_trip (to_address_id) where status = 'planned';
create index school_trip_to_send on school_trip (created_at)
    where (status = 'planned' and carrier_sent_at is null)
       or (status = 'cancelled' and carrier_sent_at is not null and carrier_cancel_sent_at is null);
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute("""
        drop table school_trip; drop table health_data_access; drop table case_status_history;
        drop table assistance_case; drop sequence case_number_seq; drop table selection;
        drop table assistance_request; drop table address; drop table contract_projection;
        create table item (id uuid primary key, account_id uuid not null, title text not null,
                           created_at timestamptz not null default now());
    """)
