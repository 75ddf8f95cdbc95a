"""SQL for second-factor challenges, TOTP and SMS enrolment and recovery codes."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from identity.adapters.secret_box import SecretBox

MAX_ATTEMPTS = 5


async def insert_challenge(conn: asyncpg.Connection, token_hash: bytes, account_id: uuid.UUID, method: str,
                           sms_code_hash: bytes | None, client_ip: str | None, user_agent: str | None,
                           expires_at: datetime) -> None:
    await conn.execute(
        "insert into two_factor_challenge (token_hash, account_id, method, sms_code_hash, client_ip, device,"
        " expires_at) values ($1, $2, $3, $4, $5, $6, $7)",
        token_hash, account_id, method, sms_code_hash, client_ip, user_agent, expires_at)


async def claim_challenge(conn: asyncpg.Connection, token_hash: bytes) -> asyncpg.Record | None:
    """The open challenge (locked): not used, not expired, fewer than MAX_ATTEMPTS wrong codes."""
    return await conn.fetchrow(
        "select * from two_factor_challenge where token_hash = $1 and used_at is null"
        " and expires_at > now() and attempts < $2 for update", token_hash, MAX_ATTEMPTS)


async def count_challenge_attempt(conn: asyncpg.Connection, token_hash: bytes) -> None:
    await conn.execute("update two_factor_challenge set attempts = attempts + 1 where token_hash = $1", token_hash)


async def use_challenge(conn: asyncpg.Connection, token_hash: bytes) -> None:
    await conn.execute("update two_factor_challenge set used_at = now() where token_hash = $1", token_hash)


async def use_recovery_code(conn: asyncpg.Connection, account_id: uuid.UUID, code_hash: bytes) -> bool:
    done = await conn.execute(
        "update recovery_code set used_at = now() where account_id = $1 and code_hash = $2 and used_at is null",
        account_id, code_hash)
    return done.endswith(" 1")


async def replace_recovery_codes(conn: asyncpg.Connection, account_id: uuid.UUID, hashes: list[bytes]) -> None:
    await conn.execute("delete from recovery_code where account_id = $1", account_id)
    await conn.executemany("insert into recovery_code (account_id, code_hash) values ($1, $2)",
                           [(account_id, h) for h in hashes])


async def remaining_recovery_codes(conn: asyncpg.Connection, account_id: uuid.UUID) -> int:
    return await conn.fetchval(
        "select count(*) from recovery_code where account_id = $1 and used_at is null", account_id)


async def totp_secret(conn: asyncpg.Connection, account_id: uuid.UUID,
                      box: SecretBox) -> tuple[str | None, str | None]:
    """The active and the pending TOTP secrets, decrypted."""
    row = await conn.fetchrow("select totp_secret, pending_totp_secret from account where id = $1", account_id)
    return tuple(box.open(v) if v else None for v in (row["totp_secret"], row["pending_totp_secret"]))


async def set_pending_totp(conn: asyncpg.Connection, account_id: uuid.UUID, secret: str, box: SecretBox) -> None:
    await conn.execute("update account set pending_totp_secret = $2, updated_at = now() where id = $1",
                       account_id, box.seal(secret))


async def set_method(conn: asyncpg.Connection, account_id: uuid.UUID, method: str | None,
                     totp_secret: str | None, box: SecretBox | None = None) -> None:
    sealed = box.seal(totp_secret) if totp_secret and box else None
    if totp_secret and box is None:
        raise ValueError("a TOTP secret is stored encrypted: pass the SecretBox")
    await conn.execute(
        "update account set two_factor_method = $2, totp_secret = $3, pending_totp_secret = null,"
        " updated_at = now() where id = $1", account_id, method, sealed)


async def put_sms_enrolment(conn: asyncpg.Connection, account_id: uuid.UUID, code_hash: bytes,
                            expires_at: datetime) -> None:
    await conn.execute(
        "insert into sms_enrolment (account_id, code_hash, expires_at) values ($1, $2, $3)"
        " on conflict (account_id) do update set code_hash = $2, expires_at = $3, attempts = 0",
        account_id, code_hash, expires_at)


async def claim_sms_enrolment(conn: asyncpg.Connection, account_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select * from sms_enrolment where account_id = $1 and expires_at > now() and attempts < $2 for update",
        account_id, MAX_ATTEMPTS)


async def end_sms_enrolment(conn: asyncpg.Connection, account_id: uuid.UUID, success: bool) -> None:
    if success:
        await conn.execute("delete from sms_enrolment where account_id = $1", account_id)
    else:
        await conn.execute("update sms_enrolment set attempts = attempts + 1 where account_id = $1", account_id)
