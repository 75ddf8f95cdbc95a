"""SQL for sessions: rotation of refresh tokens, revocation, devices and sign-in failures."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from identity.adapters.repository import ACCOUNT_COLUMNS

_A = ", ".join("a." + c.strip() for c in ACCOUNT_COLUMNS.split(","))


async def rotate_refresh_token(conn: asyncpg.Connection, old_hash: bytes, new_hash: bytes) -> asyncpg.Record | None:
    """Swap an open session's current refresh token; None when ``old_hash`` is not current."""
    row = await conn.fetchrow(
        "update session set refresh_token_hash = $2, refreshed_at = now() where refresh_token_hash = $1"
        " and revoked_at is null and expires_at > now() returning id, account_id",
        old_hash, new_hash,
    )
    if row is not None:
        await conn.execute("insert into spent_refresh_token (token_hash, session_id) values ($1, $2)",
                           old_hash, row["id"])
    return row


async def session_of_spent_token(conn: asyncpg.Connection, token_hash: bytes) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select s.id, s.account_id, s.family_id from spent_refresh_token t join session s on s.id = t.session_id"
        " where t.token_hash = $1", token_hash)


async def revoke_family(conn: asyncpg.Connection, family_id: uuid.UUID, reason: str) -> int:
    done = await conn.execute(
        "update session set revoked_at = now(), revoked_reason = $2 where family_id = $1 and revoked_at is null",
        family_id, reason)
    return int(done.split()[-1])


async def revoke_session(conn: asyncpg.Connection, session_id: uuid.UUID, account_id: uuid.UUID, reason: str) -> bool:
    done = await conn.execute(
        "update session set revoked_at = now(), revoked_reason = $3 where id = $1 and account_id = $2"
        " and revoked_at is null", session_id, account_id, reason)
    return done.endswith(" 1")


async def revoke_all_sessions(conn: asyncpg.Connection, account_id: uuid.UUID, reason: str,
                              keep: uuid.UUID | None = None) -> None:
    await conn.execute(
        "update session set revoked_at = now(), revoked_reason = $2 where account_id = $1"
        " and revoked_at is null and ($3::uuid is null or id <> $3)", account_id, reason, keep)


async def account_of_session(conn: asyncpg.Connection, session_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"select {_A} from session s join account a on a.id = s.account_id where s.id = $1", session_id)


async def revoked_since(conn: asyncpg.Connection, since: datetime) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select id, revoked_at from session where revoked_at is not null and revoked_at > $1"
        " order by revoked_at limit 10000", since)


async def count_failures(conn: asyncpg.Connection, identifier_hashes: list[bytes], identifier_since: datetime,
                         client_ip: str | None, address_since: datetime) -> tuple[int, int]:
    """Failures of the most failed of ``identifier_hashes`` since ``identifier_since``, and of the address."""
    row = await conn.fetchrow(
        "select coalesce((select max(n) from (select count(*) as n from sign_in_failure"
        " where identifier_hash = any($1::bytea[]) and created_at > $2 group by identifier_hash) per_id), 0) as by_id,"
        " (select count(*) from sign_in_failure where client_ip = $3 and created_at > $4) as by_ip",
        identifier_hashes, identifier_since, client_ip, address_since)
    return row["by_id"], row["by_ip"]


async def record_failure(conn: asyncpg.Connection, identifier_hash: bytes, account_id: uuid.UUID | None,
                         client_ip: str | None) -> None:
    await conn.execute(
        "insert into sign_in_failure (identifier_hash, account_id, client_ip) values ($1, $2, $3)",
        identifier_hash, account_id, client_ip)


async def remember_device(conn: asyncpg.Connection, account_id: uuid.UUID, device_hash: bytes) -> bool:
    """True when this device is new for the account (and it is now known)."""
    done = await conn.execute(
        "insert into known_device (account_id, device_hash) values ($1, $2) on conflict do nothing",
        account_id, device_hash)
    return done.endswith(" 1")


async def has_known_devices(conn: asyncpg.Connection, account_id: uuid.UUID) -> bool:
    return await conn.fetchval("select exists (select 1 from known_device where account_id = $1)", account_id)


async def security_events(conn: asyncpg.Connection, account_id: uuid.UUID, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select kind, client_ip, detail, created_at from security_event where account_id = $1"
        " order by created_at desc, id desc limit $2", account_id, limit)


async def group_categories(conn: asyncpg.Connection, account_id: uuid.UUID) -> list[str]:
    """The categories of the group contracts that joined this existing member space (ID-13)."""
    return [r["category"] for r in await conn.fetch(
        "select distinct category from affiliated_account where account_id = $1 and joined_at is not null",
        account_id)]


async def linked_categories(conn: asyncpg.Connection, account_id: uuid.UUID) -> list[asyncpg.Record]:
    """The category and holder of every account linked with this one (ID-12), either way round."""
    return await conn.fetch(
        "select a.id, a.category, a.person_id, a.member_number, l.linked_at from linked_account l"
        " join account a on a.id = case when l.account_id = $1 then l.linked_account_id else l.account_id end"
        " where (l.account_id = $1 or l.linked_account_id = $1) and a.status = 'active'", account_id)
