"""Forgotten password (ID-7) and change of password (ID-8)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg

from identity.adapters import repository as repo
from identity.adapters import sessions_repo as srepo
from identity.app.attempts import prove_own_password
from identity.app.handlers import Services
from identity.domain.accounts import hash_token, new_secret_token, normalize_email
from identity.domain.errors import InvalidResetLink, PasswordRefused
from ms_events.events.identity import PasswordChanged, PasswordResetRequested
from ms_platform.uow import Transaction


async def request_reset(svc: Services, email: str, client_ip: str | None) -> None:
    """Always the same answer; a link only for an existing, confirmed account."""
    token, token_hash = new_secret_token()
    now = datetime.now(UTC)
    async with svc.uow.begin() as tx:
        account = await repo.account_by_identifier(tx.conn, normalize_email(email), True)
        if account is None or account["status"] != "active":
            return
        await tx.conn.execute(
            "insert into password_reset (token_hash, account_id, expires_at) values ($1, $2, $3)",
            token_hash, account["id"], now + svc.reset_ttl)
        tx.publish(PasswordResetRequested(
            account_id=account["id"], email=account["email"], first_name=account["first_name"],
            last_name=account["last_name"], reset_token=token, reset_expires_at=now + svc.reset_ttl,
            requested_at=now))
        await repo.record_security_event(tx.conn, "password_reset.requested", account["id"], client_ip)


def _policy_reasons(svc: Services, account: asyncpg.Record, password: str) -> list[str]:
    return svc.policy.problems(password, first_name=account["first_name"], last_name=account["last_name"],
                               birth_date=account["birth_date"], city=account["city"] or "")


async def confirm_reset(svc: Services, token: str, password: str, client_ip: str | None) -> None:
    """Set the new password with the single-use link, and end every session."""
    token_hash = hash_token(token)
    async with svc.uow.connect() as conn:
        row = await conn.fetchrow(
            "select account_id from password_reset where token_hash = $1 and used_at is null and expires_at > now()",
            token_hash)
        account = await repo.account_by_id(conn, row["account_id"]) if row else None
    if account is None or account["status"] != "active":
        raise InvalidResetLink()
    reasons = _policy_reasons(svc, account, password)
    if reasons:
        raise PasswordRefused(reasons, field="password")
    new_hash = await svc.hashing.hash(password)
    async with svc.uow.begin() as tx:
        claimed = await tx.conn.execute(
            "update password_reset set used_at = now() where token_hash = $1 and used_at is null"
            " and expires_at > now()", token_hash)
        if not claimed.endswith(" 1"):
            raise InvalidResetLink()
        # Every other link of this account dies with this one.
        await tx.conn.execute(
            "update password_reset set used_at = now() where account_id = $1 and used_at is null", account["id"])
        await _set_password(tx, account["id"], new_hash, "reset", client_ip, keep=None)


async def change_password(svc: Services, account: asyncpg.Record, session_id: uuid.UUID, current: str, new: str,
                          client_ip: str | None) -> None:
    """Change the password with the current one (checked and throttled like sign-in); other sessions end."""
    account = await prove_own_password(svc, account["id"], current, client_ip, "password_change",
                                       field="current_password")
    reasons = _policy_reasons(svc, account, new)
    if reasons:
        raise PasswordRefused(reasons, field="new_password")
    new_hash = await svc.hashing.hash(new)
    async with svc.uow.begin() as tx:
        await _set_password(tx, account["id"], new_hash, "change", client_ip, keep=session_id)


async def _set_password(tx: Transaction, account_id: uuid.UUID, new_hash: str, via: str,
                        client_ip: str | None, keep: uuid.UUID | None) -> None:
    changed_at = await tx.conn.fetchval(
        "update account set password_hash = $2, password_changed_at = now(), updated_at = now() where id = $1"
        " returning password_changed_at", account_id, new_hash)
    await srepo.revoke_all_sessions(tx.conn, account_id, f"password_{via}", keep=keep)
    tx.publish(PasswordChanged(account_id=account_id, via=via, changed_at=changed_at))
    await repo.record_security_event(tx.conn, f"password.{via}", account_id, client_ip)
