"""Sign-in (ID-6, ID-9, ID-15), refresh-token rotation and sign-out."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import structlog

from identity.adapters import repository as repo
from identity.adapters import sessions_repo as srepo
from identity.adapters import two_factor_repo as tfrepo
from identity.app.attempts import record_account_failure, verify_password_attempt
from identity.app.handlers import Services
from identity.app.professional import professional_claims
from identity.domain import devices
from identity.domain.accounts import hash_token, may_sign_in
from identity.domain.errors import (
    AccountNotConfirmed, ChallengeExpired, InvalidCredentials, InvalidRefreshToken, InvalidSecondFactor,
)
from identity.domain.two_factor import code_hash, new_sms_code
from ms_events.events.identity import NewDeviceSignedIn, TwoFactorCodeRequested

log = structlog.get_logger()


async def sign_in(svc: Services, identifier: str, password: str, client_ip: str | None,
                  user_agent: str | None) -> dict:
    """Sign in with email or member number; a token pair, or a second-factor challenge."""
    account = await verify_password_attempt(svc, identifier, password, client_ip, "sign_in")
    allowed = may_sign_in(account["status"])
    if not allowed.allowed:
        if allowed.reason == "not-confirmed":
            raise AccountNotConfirmed("Votre adresse e-mail n'est pas encore confirmée. Cliquez sur le lien "
                                      "reçu par e-mail après votre inscription.")
        raise InvalidCredentials()
    new_hash = await svc.hashing.hash(password) if svc.hashing.needs_rehash(account["password_hash"]) else None
    if account["two_factor_method"]:
        return await _challenge(svc, account, client_ip, user_agent, new_hash)
    return await open_session(svc, account, client_ip, user_agent, new_hash)


async def _challenge(svc: Services, account: asyncpg.Record, client_ip: str | None, user_agent: str | None,
                     new_hash: str | None) -> dict:
    """ID-9: the password was right; a short-lived token waits for the second factor."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    expires = now + svc.challenge_ttl
    method = account["two_factor_method"]
    async with svc.uow.begin() as tx:
        if new_hash:
            await repo.update_password_hash(tx.conn, account["id"], new_hash)
        sms_hash = None
        if method == "sms":
            code = new_sms_code()
            sms_hash = code_hash(code)
            tx.publish(TwoFactorCodeRequested(
                account_id=account["id"], phone=account["phone"], code=code, expires_at=expires,
                requested_at=now))
        await tfrepo.insert_challenge(tx.conn, hash_token(token), account["id"], method, sms_hash, client_ip,
                                      user_agent, expires)
        await repo.record_security_event(tx.conn, "sign_in.second_factor_required", account["id"], client_ip,
                                         method=method)
    return {"second_factor_required": True, "challenge_token": token, "method": method,
            "expires_in": int(svc.challenge_ttl.total_seconds())}


async def open_session(svc: Services, account: asyncpg.Record, client_ip: str | None, user_agent: str | None,
                       new_hash: str | None = None, second_factor: str | None = None) -> dict:
    session_id = uuid.uuid4()
    refresh_token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    device = devices.describe(user_agent)
    async with svc.uow.begin() as tx:
        if new_hash:
            await repo.update_password_hash(tx.conn, account["id"], new_hash)
        await srepo_insert_session(tx.conn, session_id, account["id"], hash_token(refresh_token),
                                   now + svc.refresh_ttl, client_ip, device)
        seen_before = await srepo.has_known_devices(tx.conn, account["id"])
        if await srepo.remember_device(tx.conn, account["id"], devices.fingerprint(str(account["id"]), user_agent)) \
                and seen_before:
            tx.publish(NewDeviceSignedIn(account_id=account["id"], device=device, signed_in_at=now))
            await repo.record_security_event(tx.conn, "sign_in.new_device", account["id"], client_ip, device=device)
        await repo.record_security_event(tx.conn, "sign_in.succeeded", account["id"], client_ip,
                                         **({"second_factor": second_factor} if second_factor else {}))
        linked = await srepo.linked_categories(tx.conn, account["id"])
        extra = await professional_claims(tx.conn, account)
        groups = await srepo.group_categories(tx.conn, account["id"])
    return _token_pair(svc, account, session_id, refresh_token, linked, extra, groups)


async def srepo_insert_session(conn, session_id, account_id, refresh_hash, expires_at, client_ip, device) -> None:
    await repo.insert_session(conn, session_id, account_id, refresh_hash, session_id, expires_at, client_ip)
    await conn.execute("update session set device = $2 where id = $1", session_id, device)


def _token_pair(svc: Services, account: asyncpg.Record, session_id: uuid.UUID, refresh_token: str,
                linked: list[asyncpg.Record], extra: dict | None = None, groups: list[str] = ()) -> dict:
    # Employer and broker users: their role, and a broker's firm and access (ADR 0013), read at each
    # sign-in and refresh.
    claims: dict = {"kind": account["kind"], **(extra or {})}
    if account["company_siren"]:
        claims["company_siren"] = account["company_siren"]  # employers: whose group contracts they see
    if account["person_id"]:
        # The account's own category, its linked accounts' (ID-12) and those of the group contracts
        # that joined it (an affiliated employee who had a space, ID-13).
        categories = sorted({account["category"], *(r["category"] for r in linked if r["category"]), *groups})
        claims.update(person_id=str(account["person_id"]), categories=categories)
        if linked:
            claims["linked_person_ids"] = sorted({str(r["person_id"]) for r in linked if r["person_id"]})
    access = svc.issuer.access_token(str(account["id"]), [account["kind"]], str(session_id), **claims)
    return {"access_token": access, "refresh_token": refresh_token, "token_type": "Bearer",
            "expires_in": svc.issuer.ttl_s}


async def refresh(svc: Services, refresh_token: str, client_ip: str | None) -> dict:
    """Rotate the refresh token; an already used one revokes its whole family (theft)."""
    old_hash = hash_token(refresh_token)
    new_token = secrets.token_urlsafe(32)
    async with svc.uow.begin() as tx:
        row = await srepo.rotate_refresh_token(tx.conn, old_hash, hash_token(new_token))
        if row is None:
            spent = await srepo.session_of_spent_token(tx.conn, old_hash)
            if spent is not None:
                await srepo.revoke_family(tx.conn, spent["family_id"], "refresh_token_reused")
                await repo.record_security_event(tx.conn, "refresh_token.reused", spent["account_id"], client_ip)
                log.warning("refresh_token.reused", account_id=str(spent["account_id"]))
        else:
            account = await srepo.account_of_session(tx.conn, row["id"])
            linked = await srepo.linked_categories(tx.conn, row["account_id"])
            extra = await professional_claims(tx.conn, account)
            groups = await srepo.group_categories(tx.conn, row["account_id"])
    # Refused outside the transaction: a reused token's revocation must be committed.
    if row is None or account["status"] != "active":
        raise InvalidRefreshToken("Votre session est terminée. Veuillez vous reconnecter.",
                                  field="refresh_token")
    return _token_pair(svc, account, row["id"], new_token, linked, extra, groups)


async def sign_out(svc: Services, account_id: uuid.UUID, session_id: uuid.UUID, client_ip: str | None) -> None:
    async with svc.uow.begin() as tx:
        if await srepo.revoke_session(tx.conn, session_id, account_id, "signed_out"):
            await repo.record_security_event(tx.conn, "signed_out", account_id, client_ip)


async def revoked_sessions(svc: Services, since: datetime) -> dict:
    async with svc.uow.connect() as conn:
        rows = await srepo.revoked_since(conn, since)
    # Revocations commit out of order by up to a transaction's length: overlap 10 s.
    cursor = min(rows[-1]["revoked_at"] if rows else since, datetime.now(UTC) - timedelta(seconds=10))
    return {"revoked": [str(r["id"]) for r in rows], "cursor": cursor.isoformat()}


async def complete_second_factor(svc: Services, challenge_token: str, code: str, client_ip: str | None) -> dict:
    from identity.app.two_factor import check_second_factor

    async with svc.uow.begin() as tx:
        challenge = await tfrepo.claim_challenge(tx.conn, hash_token(challenge_token))
        if challenge is None:
            raise ChallengeExpired("Ce code a expiré. Veuillez vous reconnecter.")
        account = await repo.account_by_id(tx.conn, challenge["account_id"])
        used = await check_second_factor(tx.conn, account, challenge, code, svc.totp_box)
        if used is None:
            await tfrepo.count_challenge_attempt(tx.conn, challenge["token_hash"])
            # A wrong code counts like a wrong password, so new challenges cannot be used to
            # try codes without limit: the account's identifiers get throttled the same way.
            await record_account_failure(tx.conn, account, client_ip)
            await repo.record_security_event(tx.conn, "second_factor.failed", account["id"], client_ip)
        else:
            await tfrepo.use_challenge(tx.conn, challenge["token_hash"])
    if used is None:
        raise InvalidSecondFactor("Code incorrect.", field="code")
    if account["status"] != "active":
        raise InvalidCredentials()
    return await open_session(svc, account, client_ip, challenge["device"], second_factor=used)
