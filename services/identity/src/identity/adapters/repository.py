"""SQL for accounts, confirmations, sessions and the security log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

ACCOUNT_COLUMNS = (
    "id, kind, email, member_number, first_name, last_name, birth_date, phone, person_id,"
    " category, contract_number, password_hash, status, created_at, confirmed_at, address, city,"
    " two_factor_method, password_changed_at, company_siren, org_role, broker_firm_id"
)


async def contract_taken(conn: asyncpg.Connection, contract_number: str, member_number: str | None) -> bool:
    return await conn.fetchval(
        "select exists (select 1 from account where status <> 'deleted' and (contract_number = $1"
        " or (member_number is not null and member_number = $2)))", contract_number, member_number)


async def account_by_email_any_status(conn: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"select {ACCOUNT_COLUMNS} from account where email_normalized = $1 and status <> 'deleted'", email)


async def insert_account(conn: asyncpg.Connection, **fields: Any) -> None:
    columns = ", ".join(fields)
    placeholders = ", ".join(f"${i}" for i in range(1, len(fields) + 1))
    await conn.execute(f"insert into account ({columns}) values ({placeholders})", *fields.values())


async def insert_confirmation(conn: asyncpg.Connection, account_id: uuid.UUID, token_hash: bytes, expires_at: datetime) -> None:
    await conn.execute(
        "insert into email_confirmation (token_hash, account_id, expires_at) values ($1, $2, $3)",
        token_hash, account_id, expires_at,
    )


async def claim_confirmation(conn: asyncpg.Connection, token_hash: bytes) -> asyncpg.Record | None:
    """Lock the confirmation row for this token (used or not) with its account's status."""
    return await conn.fetchrow(
        "select c.account_id, c.expires_at, c.used_at, a.status from email_confirmation c"
        " join account a on a.id = c.account_id where c.token_hash = $1 for update of c, a",
        token_hash,
    )


async def activate(conn: asyncpg.Connection, account_id: uuid.UUID, token_hash: bytes) -> datetime:
    await conn.execute("update email_confirmation set used_at = now() where token_hash = $1", token_hash)
    return await conn.fetchval(
        "update account set status = 'active', confirmed_at = now(), updated_at = now()"
        " where id = $1 returning confirmed_at",
        account_id,
    )


async def account_by_identifier(conn: asyncpg.Connection, identifier: str, by_email: bool) -> asyncpg.Record | None:
    column = "email_normalized" if by_email else "member_number"
    return await conn.fetchrow(
        f"select {ACCOUNT_COLUMNS} from account where {column} = $1 and status <> 'deleted'", identifier
    )


async def pending_account_by_email(conn: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"select {ACCOUNT_COLUMNS} from account where email_normalized = $1"
        " and status = 'pending_confirmation' for update",
        email,
    )


async def account_by_id(conn: asyncpg.Connection, account_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"select {ACCOUNT_COLUMNS} from account where id = $1", account_id)


async def update_password_hash(conn: asyncpg.Connection, account_id: uuid.UUID, password_hash: str) -> None:
    await conn.execute("update account set password_hash = $2, updated_at = now() where id = $1", account_id, password_hash)


async def insert_session(
    conn: asyncpg.Connection, session_id: uuid.UUID, account_id: uuid.UUID, refresh_hash: bytes,
    family_id: uuid.UUID, expires_at: datetime, client_ip: str | None,
) -> None:
    await conn.execute(
        "insert into session (id, account_id, refresh_token_hash, family_id, expires_at, client_ip)"
        " values ($1, $2, $3, $4, $5, $6)",
        session_id, account_id, refresh_hash, family_id, expires_at, client_ip,
    )


async def account_of_active_session(
    conn: asyncpg.Connection, account_id: uuid.UUID, session_id: uuid.UUID
) -> asyncpg.Record | None:
    """The account, if this session of it is still open and the account active (one round trip)."""
    return await conn.fetchrow(
        f"select {', '.join('a.' + c.strip() for c in ACCOUNT_COLUMNS.split(','))}"
        " from session s join account a on a.id = s.account_id"
        " where s.id = $2 and a.id = $1 and s.revoked_at is null and a.status = 'active'",
        account_id, session_id,
    )


async def record_security_event(
    conn: asyncpg.Connection, kind: str, account_id: uuid.UUID | None, client_ip: str | None, **detail: Any
) -> None:
    await conn.execute(
        "insert into security_event (account_id, kind, client_ip, detail) values ($1, $2, $3, $4)",
        account_id, kind, client_ip, detail,
    )
