"""Two-factor authentication (ID-9): TOTP and SMS enrolment, recovery codes, turning it off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from identity.adapters import repository as repo
from identity.adapters import two_factor_repo as tfrepo
from identity.adapters.secret_box import SecretBox
from identity.app.attempts import proof_failed, prove_own_password
from identity.app.handlers import Services
from identity.domain import two_factor as tf
from identity.domain.errors import (
    InvalidCode, PhoneRequired, TwoFactorNotEnabled, TwoFactorUnavailable,
)
from ms_events.events.identity import TwoFactorChanged, TwoFactorCodeRequested
from ms_platform.uow import Transaction

SMS_CODE_TTL = timedelta(minutes=5)



async def check_second_factor(conn: asyncpg.Connection, account: asyncpg.Record, challenge: asyncpg.Record,
                              code: str, box: SecretBox) -> str | None:
    """Which factor the code proves ('totp', 'sms', 'recovery_code'), or None."""
    if tf.looks_like_recovery_code(code):
        if await tfrepo.use_recovery_code(conn, account["id"], tf.code_hash(code)):
            return "recovery_code"
        return None
    if challenge["method"] == "sms":
        return "sms" if tf.same_code(challenge["sms_code_hash"], code) else None
    secret, _ = await tfrepo.totp_secret(conn, account["id"], box)
    return "totp" if secret and tf.totp_accepts(secret, code) else None


async def start_totp(svc: Services, account: asyncpg.Record) -> dict:
    """A new secret waiting for its first code; the app scans the provisioning URI."""
    if svc.totp_box is None:
        raise TwoFactorUnavailable("L'application d'authentification ne peut pas être activée pour le moment.")
    secret = tf.new_totp_secret()
    async with svc.uow.connect() as conn:
        await tfrepo.set_pending_totp(conn, account["id"], secret, svc.totp_box)
    return {"secret": secret, "provisioning_uri": tf.provisioning_uri(secret, account["email"])}


async def confirm_totp(svc: Services, account: asyncpg.Record, code: str, client_ip: str | None) -> dict:
    async with svc.uow.begin() as tx:
        _, pending = await tfrepo.totp_secret(tx.conn, account["id"], svc.totp_box)
        if not pending or not tf.totp_accepts(pending, code):
            raise InvalidCode()
        await tfrepo.set_method(tx.conn, account["id"], "totp", pending, svc.totp_box)
        return await _enabled(tx, account, "totp", client_ip)


async def start_sms(svc: Services, account: asyncpg.Record, purpose: str = "enrolment") -> None:
    """Send a code to the account's mobile (enrolment, or proof before turning 2FA off)."""
    if not account["phone"]:
        raise PhoneRequired("Ajoutez d'abord un numéro de mobile à votre profil.", field="phone")
    code = tf.new_sms_code()
    now = datetime.now(UTC)
    async with svc.uow.begin() as tx:
        await tfrepo.put_sms_enrolment(tx.conn, account["id"], tf.code_hash(code), now + SMS_CODE_TTL)
        tx.publish(TwoFactorCodeRequested(
            account_id=account["id"], phone=account["phone"], code=code, expires_at=now + SMS_CODE_TTL,
            requested_at=now))
        await repo.record_security_event(tx.conn, "two_factor.sms_code_sent", account["id"], None, purpose=purpose)


async def _sms_code_ok(conn: asyncpg.Connection, account_id, code: str) -> bool:
    enrolment = await tfrepo.claim_sms_enrolment(conn, account_id)
    ok = enrolment is not None and tf.same_code(enrolment["code_hash"], code)
    if enrolment is not None:
        await tfrepo.end_sms_enrolment(conn, account_id, ok)
    return ok


async def confirm_sms(svc: Services, account: asyncpg.Record, code: str, client_ip: str | None) -> dict:
    async with svc.uow.begin() as tx:
        ok = await _sms_code_ok(tx.conn, account["id"], code)
        if ok:
            await tfrepo.set_method(tx.conn, account["id"], "sms", None)
            return await _enabled(tx, account, "sms", client_ip)
    raise InvalidCode()


async def _enabled(tx: Transaction, account: asyncpg.Record, method: str, client_ip: str | None) -> dict:
    codes = tf.new_recovery_codes()
    await tfrepo.replace_recovery_codes(tx.conn, account["id"], [tf.code_hash(c) for c in codes])
    tx.publish(TwoFactorChanged(account_id=account["id"], method=method, enabled=True,
                                changed_at=datetime.now(UTC)))
    await repo.record_security_event(tx.conn, "two_factor.enabled", account["id"], client_ip, method=method)
    return {"method": method, "recovery_codes": codes}


async def disable(svc: Services, account: asyncpg.Record, password: str, code: str, client_ip: str | None) -> None:
    """Turning 2FA off needs the password and a code (of the current method, or a recovery code)."""
    if account["two_factor_method"] is None:
        raise TwoFactorNotEnabled()
    # Both proofs are throttled like sign-in: a wrong code counts as a wrong password.
    account = await prove_own_password(svc, account["id"], password, client_ip, "two_factor_disable",
                                       field="password")
    method = account["two_factor_method"]
    if method is None:  # turned off meanwhile
        raise TwoFactorNotEnabled()
    async with svc.uow.begin() as tx:
        if tf.looks_like_recovery_code(code):
            ok = await tfrepo.use_recovery_code(tx.conn, account["id"], tf.code_hash(code))
        elif method == "sms":
            ok = await _sms_code_ok(tx.conn, account["id"], code)
        else:
            secret, _ = await tfrepo.totp_secret(tx.conn, account["id"], svc.totp_box)
            ok = bool(secret) and tf.totp_accepts(secret, code)
        if ok:
            await tfrepo.set_method(tx.conn, account["id"], None, None)
            await tfrepo.replace_recovery_codes(tx.conn, account["id"], [])
            tx.publish(TwoFactorChanged(account_id=account["id"], method=None, enabled=False,
                                        changed_at=datetime.now(UTC)))
            await repo.record_security_event(tx.conn, "two_factor.disabled", account["id"], client_ip)
        else:
            await proof_failed(tx.conn, account, client_ip, "two_factor_disable", "code")
    if not ok:
        raise InvalidCode()


async def status(svc: Services, account: asyncpg.Record) -> dict:
    async with svc.uow.connect() as conn:
        remaining = await tfrepo.remaining_recovery_codes(conn, account["id"])
    return {"enabled": account["two_factor_method"] is not None, "method": account["two_factor_method"],
            "recovery_codes_left": remaining}


