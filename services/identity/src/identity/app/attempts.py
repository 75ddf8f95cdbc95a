"""Proofs of a password or a second factor, throttled as one (ID-15).

Sign-in, account linking and every check behind a token of the signed-in person's own password
or second factor (changing the password, deleting the account, turning two-factor off) count
their failures in the same ``sign_in_failure`` rows and are refused by the same
``ThrottlePolicy``: a stolen access token gives no more guesses than the sign-in page.

A failure behind a token is a failure of the account under each identifier it signs in with
(so sign-in by email and by member number both see it) and one failure of the client address.
Failures before the last password change do not count, so the owner who resets the password
is back in at once: never locked out more than sign-in's own policy does.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import structlog

from identity.adapters import repository as repo
from identity.adapters import sessions_repo as srepo
from identity.app.handlers import Services
from identity.domain import throttling
from identity.domain.accounts import hash_token, is_email_identifier, normalize_email
from identity.domain.errors import InvalidCredentials, TooManyAttempts, WrongPassword

log = structlog.get_logger()


def _identifier(raw: str) -> tuple[str, bool]:
    by_email = is_email_identifier(raw)
    return (normalize_email(raw) if by_email else raw.strip().upper()), by_email


def account_identifiers(account: asyncpg.Record) -> list[str]:
    """Every identifier the account signs in with, as sign-in normalises them."""
    found = [normalize_email(account["email"])]
    if account["member_number"]:
        found.append(account["member_number"].strip().upper())
    return found


async def _refuse_if_throttled(svc: Services, conn: asyncpg.Connection, identifier_hashes: list[bytes],
                               password_changed_at: datetime | None, client_ip: str | None, event: str,
                               logged_id: uuid.UUID | None, detail: str) -> None:
    now = datetime.now(UTC)
    by_id, by_ip = await srepo.count_failures(
        conn, identifier_hashes, throttling.counting_since(now, password_changed_at),
        client_ip, now - svc.throttle.address_window)
    decision = throttling.decide(svc.throttle, by_id, by_ip)
    if not decision.allowed:
        await repo.record_security_event(conn, f"{event}.throttled", logged_id, client_ip, reason=decision.reason)
        log.warning(f"{event}.throttled", reason=decision.reason)
        raise TooManyAttempts(detail, retry_after_s=decision.retry_after_s)


async def verify_password_attempt(svc: Services, identifier: str, password: str, client_ip: str | None,
                                  event: str, event_account_id: uuid.UUID | None = None) -> asyncpg.Record:
    """The account that ``identifier`` and ``password`` prove, throttled per identifier and per
    address (ID-15); a failure is counted and logged as ``<event>.failed``, a refusal by the
    throttle as ``<event>.throttled`` (under ``event_account_id`` when given)."""
    ident, by_email = _identifier(identifier)
    ident_hash = hash_token(ident)
    async with svc.uow.connect() as conn:
        account = await repo.account_by_identifier(conn, ident, by_email)
        logged_id = event_account_id or (account["id"] if account else None)
        await _refuse_if_throttled(svc, conn, [ident_hash], account["password_changed_at"] if account else None,
                                   client_ip, event, logged_id, TooManyAttempts.SIGN_IN)
    valid = await svc.hashing.verify(account["password_hash"] if account else None, password)
    if not valid or account is None:
        async with svc.uow.begin() as tx:
            await srepo.record_failure(tx.conn, ident_hash, account["id"] if account else None, client_ip)
            await repo.record_security_event(tx.conn, f"{event}.failed", logged_id, client_ip)
        raise InvalidCredentials()
    return account


async def record_account_failure(conn: asyncpg.Connection, account: asyncpg.Record, client_ip: str | None) -> None:
    """One failed proof of this account: under each of its identifiers, once for the address."""
    for index, identifier in enumerate(account_identifiers(account)):
        await srepo.record_failure(conn, hash_token(identifier), account["id"], client_ip if index == 0 else None)


async def check_allowed(svc: Services, account_id: uuid.UUID, client_ip: str | None, event: str) -> asyncpg.Record:
    """The signed-in account, read again, if a proof behind its token may be evaluated now;
    TooManyAttempts (429) when sign-in would be throttled for it or for the client address."""
    async with svc.uow.connect() as conn:
        account = await repo.account_by_id(conn, account_id)
        hashes = [hash_token(i) for i in account_identifiers(account)]
        await _refuse_if_throttled(svc, conn, hashes, account["password_changed_at"], client_ip, event,
                                   account_id, TooManyAttempts.CHECK)
    return account


async def proof_failed(conn: asyncpg.Connection, account: asyncpg.Record, client_ip: str | None, event: str,
                       proof: str) -> None:
    """A wrong password or code behind a token: a sign-in failure of the account, logged as ``<event>.refused``."""
    await record_account_failure(conn, account, client_ip)
    await repo.record_security_event(conn, f"{event}.refused", account["id"], client_ip, proof=proof)


async def prove_own_password(svc: Services, account_id: uuid.UUID, password: str, client_ip: str | None,
                             event: str, field: str) -> asyncpg.Record:
    """The signed-in person's password, asked again before a sensitive change, throttled like sign-in;
    the account as it is now, or WrongPassword on ``field``."""
    account = await check_allowed(svc, account_id, client_ip, event)
    if not await svc.hashing.verify(account["password_hash"], password):
        async with svc.uow.begin() as tx:
            await proof_failed(tx.conn, account, client_ip, event, "password")
        raise WrongPassword(WrongPassword.WORDING[field], field=field)
    return account
