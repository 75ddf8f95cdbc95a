"""Linked accounts (ID-12, « Réunir vos comptes »): one sign-in sees every linked category."""

from __future__ import annotations

import uuid

import asyncpg

from identity.adapters import repository as repo
from identity.adapters import sessions_repo as srepo
from identity.app.handlers import Services
from identity.app.attempts import verify_password_attempt
from identity.domain.accounts import AccountKind, AccountStatus
from identity.domain.errors import InvalidCredentials, LinkedAccountNotFound, LinkNotAllowed, LinkSameCategory


async def link(svc: Services, me: asyncpg.Record, identifier: str, password: str, client_ip: str | None) -> dict:
    """Link the account the person proves they hold (identifier and password), throttled like a sign-in."""
    other = await verify_password_attempt(svc, identifier, password, client_ip, "link", event_account_id=me["id"])
    if other["status"] != AccountStatus.ACTIVE:
        raise InvalidCredentials()
    if AccountKind.MEMBER not in (me["kind"], other["kind"]) or me["kind"] != other["kind"]:
        raise LinkNotAllowed("Seuls des espaces adhérents peuvent être réunis.", field="identifier")
    if other["id"] == me["id"] or other["category"] == me["category"]:
        raise LinkSameCategory("Ce compte concerne la même catégorie de contrat que le vôtre : ses contrats "
                               "sont déjà rattachés automatiquement.", field="identifier")
    async with svc.uow.begin() as tx:
        await tx.conn.execute(
            "insert into linked_account (account_id, linked_account_id) values ($1, $2) on conflict do nothing",
            me["id"], other["id"])
        await repo.record_security_event(tx.conn, "account.linked", me["id"], client_ip, category=other["category"])
        await repo.record_security_event(tx.conn, "account.linked", other["id"], client_ip, category=me["category"])
    return {"account_id": str(other["id"]), "category": other["category"], "member_number": other["member_number"]}


async def linked(svc: Services, account_id: uuid.UUID) -> list[dict]:
    async with svc.uow.connect() as conn:
        rows = await srepo.linked_categories(conn, account_id)
    return [{"account_id": str(r["id"]), "category": r["category"], "member_number": r["member_number"],
             "linked_at": r["linked_at"].isoformat()} for r in rows]


async def unlink(svc: Services, account_id: uuid.UUID, other_id: uuid.UUID, client_ip: str | None) -> None:
    async with svc.uow.begin() as tx:
        done = await tx.conn.execute(
            "delete from linked_account where (account_id = $1 and linked_account_id = $2)"
            " or (account_id = $2 and linked_account_id = $1)", account_id, other_id)
        if done.endswith(" 0"):
            raise LinkedAccountNotFound()
        await repo.record_security_event(tx.conn, "account.unlinked", account_id, client_ip)
