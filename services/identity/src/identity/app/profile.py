"""Profile (ID-10): phone, postal address, email with confirmation; the security log."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import asyncpg

from identity.adapters import repository as repo
from identity.adapters import sessions_repo as srepo
from identity.app.handlers import Services
from identity.domain.accounts import hash_token, new_secret_token, normalize_email
from identity.domain.errors import EmailAlreadyUsed, InvalidEmailChangeLink
from ms_events.events.identity import EmailChanged, EmailChangeRequested, PostalAddress, ProfileUpdated
from ms_platform.uow import Transaction


async def update_profile(svc: Services, account: asyncpg.Record, changes: dict, client_ip: str | None) -> dict:
    """Phone and address change at once; a new email waits for confirmation from that address."""
    now = datetime.now(UTC)
    pending_email = None
    async with svc.uow.begin() as tx:
        contact = {k: changes[k] for k in ("phone", "address") if k in changes}
        if contact:
            address = contact.get("address", _address(account))
            phone = contact.get("phone", account["phone"])
            await tx.conn.execute(
                "update account set phone = $2, address = $3, city = $4, updated_at = now() where id = $1",
                account["id"], phone, address,
                address["city"] if address else None)
            tx.publish(ProfileUpdated(
                account_id=account["id"], phone=phone, address=PostalAddress(**address) if address else None,
                updated_at=now))
            await repo.record_security_event(tx.conn, "profile.updated", account["id"], client_ip,
                                             fields=sorted(contact))
        new_email = changes.get("email")
        if new_email and normalize_email(new_email) != normalize_email(account["email"]):
            pending_email = new_email
            await _request_email_change(svc, tx, account, new_email, now, client_ip)
    return {"pending_email": pending_email}


def _address(account: asyncpg.Record) -> dict | None:
    raw = account["address"]
    return json.loads(raw) if isinstance(raw, str) else raw


async def _request_email_change(svc: Services, tx: Transaction, account: asyncpg.Record, new_email: str,
                                now: datetime, client_ip: str | None) -> None:
    token, token_hash = new_secret_token()
    expires = now + svc.email_change_ttl
    await tx.conn.execute(
        "insert into email_change (token_hash, account_id, new_email, new_email_normalized, expires_at)"
        " values ($1, $2, $3, $4, $5)", token_hash, account["id"], new_email, normalize_email(new_email), expires)
    tx.publish(EmailChangeRequested(
        account_id=account["id"], first_name=account["first_name"], last_name=account["last_name"],
        old_email=account["email"], new_email=new_email, confirmation_token=token,
        confirmation_expires_at=expires, requested_at=now))
    await repo.record_security_event(tx.conn, "email_change.requested", account["id"], client_ip)


async def confirm_email_change(svc: Services, token: str) -> dict:
    async with svc.uow.begin() as tx:
        row = await tx.conn.fetchrow(
            "select * from email_change where token_hash = $1 and used_at is null and expires_at > now()"
            " for update", hash_token(token))
        if row is None:
            raise InvalidEmailChangeLink()
        account = await repo.account_by_id(tx.conn, row["account_id"])
        if account is None or account["status"] != "active":
            raise InvalidEmailChangeLink()
        taken = await tx.conn.fetchval(
            "select exists (select 1 from account where email_normalized = $1 and status <> 'deleted'"
            " and id <> $2)", row["new_email_normalized"], account["id"])
        if taken:
            raise EmailAlreadyUsed("Cette adresse e-mail ne peut pas être utilisée pour votre compte.",
                                   field="email")
        await tx.conn.execute("update email_change set used_at = now() where account_id = $1 and used_at is null",
                           account["id"])
        changed_at = await tx.conn.fetchval(
            "update account set email = $2, email_normalized = $3, updated_at = now() where id = $1"
            " returning updated_at", account["id"], row["new_email"], row["new_email_normalized"])
        tx.publish(EmailChanged(
            account_id=account["id"], first_name=account["first_name"], last_name=account["last_name"],
            old_email=account["email"], email=row["new_email"], changed_at=changed_at))
        await repo.record_security_event(tx.conn, "email.changed", account["id"], None)
    return {"id": str(account["id"]), "email": row["new_email"]}


async def security_log(svc: Services, account_id, limit: int) -> list[dict]:
    """The account's recent security activity, as the member sees it."""
    async with svc.uow.connect() as conn:
        rows = await srepo.security_events(conn, account_id, limit)
    return [{"kind": r["kind"], "at": r["created_at"].isoformat(), "client_ip": r["client_ip"],
             "detail": json.loads(r["detail"]) if isinstance(r["detail"], str) else r["detail"]} for r in rows]
