"""Deleting an account and exporting everything the platform holds about a person (ID-11)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg

from identity.adapters import repository as repo
from identity.adapters import sessions_repo as srepo
from identity.app.attempts import prove_own_password
from identity.app.handlers import Services
from ms_events.events.identity import AccountDeleted


async def delete_account(svc: Services, account: asyncpg.Record, password: str, client_ip: str | None) -> None:
    """The account stops signing in; identity pseudonymises what it keeps (see README)."""
    account = await prove_own_password(svc, account["id"], password, client_ip, "account_deletion", field="password")
    now = datetime.now(UTC)
    async with svc.uow.begin() as tx:
        await erase_account(tx, account, now, "account_deleted")


async def erase_account(tx, account: asyncpg.Record, now: datetime, reason: str, **detail) -> bool:
    """Mark the account deleted, end every session, erase and pseudonymise (see README); False when
    it was deleted already. Used by self-service deletion and by a professional user's removal."""
    done = await tx.conn.execute(
        "update account set status = 'deleted', deleted_at = $2, email = 'deleted-' || id || '@invalid',"
        " email_normalized = 'deleted-' || id || '@invalid', first_name = '', last_name = '',"
        " birth_date = null, phone = null, address = null, city = null, password_hash = '!',"
        " totp_secret = null, pending_totp_secret = null, two_factor_method = null, updated_at = $2"
        " where id = $1 and status <> 'deleted'", account["id"], now)
    if not done.endswith(" 1"):
        return False
    await srepo.revoke_all_sessions(tx.conn, account["id"], reason)
    for table in ("recovery_code", "known_device", "sms_enrolment", "email_change", "password_reset",
                  "two_factor_challenge", "affiliated_account"):
        await tx.conn.execute(f"delete from {table} where account_id = $1", account["id"])
    await tx.conn.execute("delete from linked_account where account_id = $1 or linked_account_id = $1",
                          account["id"])
    await tx.conn.execute("update security_event set client_ip = null, detail = '{}' where account_id = $1",
                          account["id"])
    await tx.conn.execute("update sign_in_failure set client_ip = null where account_id = $1", account["id"])
    await tx.conn.execute("update session set client_ip = null, device = null where account_id = $1",
                          account["id"])
    tx.publish(AccountDeleted(account_id=account["id"], person_id=account["person_id"],
                              kind=account["kind"], deleted_at=now))
    await repo.record_security_event(tx.conn, "account.deleted", account["id"], None, **detail)
    return True


async def identity_data(conn: asyncpg.Connection, account_id: uuid.UUID) -> dict:
    account = dict(await repo.account_by_id(conn, account_id))
    account.pop("password_hash", None)
    sessions = await conn.fetch(
        "select id, created_at, expires_at, revoked_at, client_ip, device from session where account_id = $1"
        " order by created_at", account_id)
    events = await srepo.security_events(conn, account_id, 1000)
    linked = await srepo.linked_categories(conn, account_id)
    # ID-13: the group contracts that joined this existing space (an employer affiliated the person).
    affiliations = await conn.fetch(
        "select siren, company_name, contract_number, category, recorded_at, joined_at from affiliated_account"
        " where account_id = $1 order by recorded_at", account_id)
    return {
        "account": _jsonable(account),
        "two_factor": {"method": account["two_factor_method"]},
        "sessions": [_jsonable(dict(s)) for s in sessions],
        "security_events": [_jsonable(dict(e)) for e in events],
        "linked_accounts": [_jsonable(dict(r)) for r in linked],
        "employer_affiliations": [_jsonable(dict(r)) for r in affiliations],
    }


async def export(svc: Services, account: asyncpg.Record) -> dict:
    """Identity's data and every other context's, as one JSON document."""
    async with svc.uow.connect() as conn:
        own = await identity_data(conn, account["id"])
    contexts: dict[str, dict] = {"identity": own}
    clients = svc.personal_data
    if clients is not None:
        answers = await asyncio.gather(*(clients.fetch(c, account["id"], account["person_id"])
                                         for c in clients.contexts))
        contexts.update(zip(clients.contexts, answers, strict=True))
    return {"account_id": str(account["id"]), "exported_at": datetime.now(UTC).isoformat(), "contexts": contexts}


def _jsonable(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        if isinstance(value, uuid.UUID):
            value = str(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[key] = value
    return out
