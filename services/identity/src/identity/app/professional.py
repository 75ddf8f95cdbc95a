"""Professional users invited by link: employer users (issue 15) and broker firms (ID-14).

One invitation mechanism for both. An operator, or an admin of the same company or firm, invites a
person by their professional email: an ``invited`` account (no password) is written with a single-use
link that expires (``Services.invitation_ttl``); only the link's SHA-256 is stored. The link travels
privately (``InvitationRequested`` on identity.secret.v1, notify emails it) and the public
``ProfessionalUserInvited`` says that it happened (no secret). ``POST /v1/accounts/accept-invitation``
with the link's token and a password makes the account active: the email is proven by the link.

Broker users carry their firm and access in their access token (ADR 0013): ``broker_firm_id``,
``broker_role``, ``broker_offers``, ``broker_autonomy`` (+ ``broker_subscribe_limit_eur``). When an
admin changes a collaborator's access, every open session of that collaborator moves to a new session
id in the same transaction (``_rekey_sessions``): the old id is revoked, so a token carrying the old
claims is refused at once by identity and within the revocation poll (2 s) by every other service,
while the refresh token keeps working and gives a token with the new claims. A deleted user's sessions
are all revoked (their refresh tokens with them).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

import asyncpg
import structlog

from identity.adapters import repository as repo
from identity.app.handlers import Services
from identity.app.privacy import erase_account
from identity.domain.accounts import AccountKind, AccountStatus, hash_token, new_secret_token, normalize_email
from identity.domain.errors import (
    AdminRequired, BrokerFirmNotFound, CompanyNotFound, EmailAlreadyUsed, InvalidBrokerAccess, InvalidInvitationLink,
    LastAdmin, OriasAlreadyRegistered, PasswordRefused, ProfessionalUserNotFound,
)
from identity.domain.names import person_name
from ms_events.envelope import Envelope
from ms_events.events.affiliation import CompanyRegistered
from identity.domain.professional import (
    COLLECTION_LABELS, AccessProblem, Actor, Autonomy, BrokerAccess, BrokerRole, ContributionCollection, admin_access,
    broker_claims, checked_access,
)
from ms_events.events.identity import AccountConfirmed, AccountCreated, InvitationRequested, ProfessionalUserInvited
from ms_platform.uow import Transaction

log = structlog.get_logger()

EMAIL_TAKEN = "Cette adresse e-mail est déjà celle d'un autre espace : indiquez-en une autre."


# ---- the invitation, for both kinds --------------------------------------------------------------


async def _invite(svc: Services, tx: Transaction, actor: Actor, *, kind: AccountKind, role: str, email: str,
                  first_name: str, last_name: str, organisation_name: str, siren: str | None = None,
                  firm_id: uuid.UUID | None = None, access: BrokerAccess | None = None) -> dict:
    first_name, last_name = person_name(first_name), person_name(last_name)
    email = email.strip()
    if await repo.account_by_email_any_status(tx.conn, normalize_email(email)) is not None:
        raise EmailAlreadyUsed(EMAIL_TAKEN, field="email")
    account_id = uuid.uuid4()
    now = datetime.now(UTC)
    expires = now + svc.invitation_ttl
    token, token_hash = new_secret_token()
    try:
        async with tx.conn.transaction():  # a savepoint: the same address invited concurrently
            await repo.insert_account(
                tx.conn, id=account_id, kind=kind.value, email=email, email_normalized=normalize_email(email),
                first_name=first_name, last_name=last_name, status=AccountStatus.INVITED.value, created_at=now,
                company_siren=siren, broker_firm_id=firm_id, org_role=role)
    except asyncpg.UniqueViolationError as exc:
        raise EmailAlreadyUsed(EMAIL_TAKEN, field="email") from exc
    if access is not None:
        await _write_access(tx.conn, account_id, access)
    await tx.conn.execute(
        "insert into invitation (token_hash, account_id, invited_by, created_at, expires_at) values ($1, $2, $3, $4, $5)",
        token_hash, account_id, actor.account_id, now, expires)
    tx.publish(ProfessionalUserInvited(
        account_id=account_id, kind=kind.value, role=role, siren=siren, broker_firm_id=firm_id,
        invited_by=actor.account_id, invitation_expires_at=expires, invited_at=now))
    tx.publish(InvitationRequested(
        account_id=account_id, kind=kind.value, role=role, email=email, first_name=first_name, last_name=last_name,
        organisation_name=organisation_name, invitation_token=token, invitation_expires_at=expires, requested_at=now))
    await repo.record_security_event(tx.conn, "account.invited", account_id, None, account_kind=kind.value,
                                     invited_by=str(actor.account_id) if actor.account_id else "operator")
    log.info("identity.professional_user_invited", account_id=str(account_id), kind=kind.value, role=role)
    return {"id": str(account_id), "email": email, "first_name": first_name, "last_name": last_name, "role": role,
            "status": AccountStatus.INVITED.value, "invitation_expires_at": expires.isoformat()}


async def accept_invitation(svc: Services, token: str, password: str) -> dict:
    """Set the invited account's password with the emailed link's token: the account is active."""
    async with svc.uow.begin() as tx:
        row = await tx.conn.fetchrow(
            "select i.token_hash, i.expires_at, i.used_at, a.id, a.kind, a.status, a.email, a.first_name, a.last_name"
            " from invitation i join account a on a.id = i.account_id where i.token_hash = $1 for update of i, a",
            hash_token(token.strip()))
        if (row is None or row["used_at"] is not None or row["expires_at"] < datetime.now(UTC)
                or row["status"] != AccountStatus.INVITED):
            raise InvalidInvitationLink()
        reasons = svc.policy.problems(password, first_name=row["first_name"], last_name=row["last_name"])
        if reasons:
            raise PasswordRefused(reasons, field="password")
        password_hash = await svc.hashing.hash(password)
        now = datetime.now(UTC)
        await tx.conn.execute("update invitation set used_at = $2 where token_hash = $1", row["token_hash"], now)
        await tx.conn.execute(
            "update account set password_hash = $2, status = 'active', confirmed_at = $3, password_changed_at = $3,"
            " updated_at = $3 where id = $1", row["id"], password_hash, now)
        tx.publish(AccountCreated(
            account_id=row["id"], kind=row["kind"], email=row["email"], first_name=row["first_name"],
            last_name=row["last_name"], confirmation_expires_at=now, created_at=now))
        tx.publish(AccountConfirmed(account_id=row["id"], confirmed_at=now))
        await repo.record_security_event(tx.conn, "invitation.accepted", row["id"], None)
    log.info("identity.invitation_accepted", account_id=str(row["id"]))
    return {"id": str(row["id"]), "kind": row["kind"], "status": AccountStatus.ACTIVE.value, "email": row["email"]}


def _user(row: asyncpg.Record) -> dict:
    return {"id": str(row["id"]), "email": row["email"], "first_name": row["first_name"],
            "last_name": row["last_name"], "role": row["org_role"], "status": row["status"],
            "created_at": row["created_at"].isoformat()}


_USER_COLUMNS = "id, email, first_name, last_name, org_role, status, created_at"


async def _remove(svc: Services, actor: Actor, account: asyncpg.Record) -> None:
    if actor.account_id == account["id"]:
        raise LastAdmin()
    async with svc.uow.begin() as tx:
        locked = await tx.conn.fetchrow("select status from account where id = $1 for update", account["id"])
        if locked is None or locked["status"] == AccountStatus.DELETED:
            raise ProfessionalUserNotFound()
        await tx.conn.execute("delete from invitation where account_id = $1", account["id"])
        await tx.conn.execute("delete from broker_access where account_id = $1", account["id"])
        await erase_account(tx, account, datetime.now(UTC), "removed_by_admin",
                            removed_by=str(actor.account_id) if actor.account_id else "operator")
    log.info("identity.professional_user_removed", account_id=str(account["id"]), kind=account["kind"])


# ---- employer users (issue 15) -------------------------------------------------------------------


def _company(actor: Actor, siren: str, manage: bool) -> str:
    """The company the caller may see (404 otherwise), and manage (admins and operators: 403 otherwise)."""
    if not (len(siren) == 9 and siren.isascii() and siren.isdigit()) or not actor.sees_company(siren):
        raise CompanyNotFound()
    if manage and not actor.manages_company(siren):
        raise AdminRequired()
    return siren


async def invite_employer_user(svc: Services, actor: Actor, siren: str, email: str, first_name: str,
                               last_name: str, role: str) -> dict:
    siren = _company(actor, siren, manage=True)
    async with svc.uow.begin() as tx:
        # The company's name (raison sociale) as the employer space registered it (affiliation's
        # CompanyRegistered, projected by the worker); its SIREN only for a company not registered there.
        name = await tx.conn.fetchval("select name from company where siren = $1", siren)
        return await _invite(svc, tx, actor, kind=AccountKind.EMPLOYER, role=role, email=email,
                             first_name=first_name, last_name=last_name,
                             organisation_name=name or f"l'entreprise de SIREN {siren}", siren=siren)


async def company_registered(conn: asyncpg.Connection, envelope: Envelope, event: CompanyRegistered) -> None:
    """The worker's projection of affiliation's companies: the name an employer user's invitation shows."""
    await conn.execute(
        "insert into company (siren, name) values ($1, $2)"
        " on conflict (siren) do update set name = excluded.name, recorded_at = now()", event.siren, event.name)


async def employer_users(svc: Services, actor: Actor, siren: str) -> list[dict]:
    siren = _company(actor, siren, manage=False)
    async with svc.uow.connect() as conn:
        rows = await conn.fetch(
            f"select {_USER_COLUMNS} from account where kind = 'employer' and company_siren = $1"
            " and status <> 'deleted' order by last_name, first_name, id", siren)
    return [_user(r) for r in rows]


async def remove_employer_user(svc: Services, actor: Actor, siren: str, user_id: uuid.UUID) -> None:
    siren = _company(actor, siren, manage=True)
    async with svc.uow.connect() as conn:
        account = await repo.account_by_id(conn, user_id)
    if account is None or account["kind"] != AccountKind.EMPLOYER or account["company_siren"] != siren \
            or account["status"] == AccountStatus.DELETED:
        raise ProfessionalUserNotFound()
    await _remove(svc, actor, account)


# ---- broker firms (ID-14) ------------------------------------------------------------------------


async def create_firm(svc: Services, actor: Actor, *, name: str, orias: str, siren: str, offers: list[str],
                      contribution_collection: str, contact: dict | None, admin: dict) -> dict:
    """An operator registers a firm and invites its first admin (all or nothing)."""
    firm_id = uuid.uuid4()
    async with svc.uow.begin() as tx:
        try:
            async with tx.conn.transaction():
                await tx.conn.execute(
                    "insert into broker_firm (id, name, orias, siren, contact_name, contact_email, contact_phone,"
                    " offers, contribution_collection) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    firm_id, name, orias, siren, (contact or {}).get("name"), (contact or {}).get("email"),
                    (contact or {}).get("phone"), offers, contribution_collection)
        except asyncpg.UniqueViolationError as exc:
            raise OriasAlreadyRegistered() from exc
        invited = await _invite(
            svc, tx, actor, kind=AccountKind.BROKER, role=BrokerRole.ADMIN.value, email=admin["email"],
            first_name=admin["first_name"], last_name=admin["last_name"], organisation_name=name, firm_id=firm_id,
            access=admin_access(offers))
        await repo.record_security_event(tx.conn, "broker_firm.created", None, None, broker_firm_id=str(firm_id))
    return {**await firm_view(svc, Actor(None, operator=True), firm_id), "admin": invited}


async def _firm_row(conn: asyncpg.Connection, actor: Actor, firm_id: uuid.UUID) -> asyncpg.Record:
    if not actor.sees_firm(firm_id):
        raise BrokerFirmNotFound()
    row = await conn.fetchrow("select * from broker_firm where id = $1", firm_id)
    if row is None:
        raise BrokerFirmNotFound()
    return row


def _firm_summary(row: asyncpg.Record) -> dict:
    return {"id": str(row["id"]), "name": row["name"], "orias": row["orias"], "siren": row["siren"]}


async def firms(svc: Services, actor: Actor) -> list[dict]:
    """Operators: every firm; a broker user: their own."""
    async with svc.uow.connect() as conn:
        if actor.operator:
            rows = await conn.fetch("select * from broker_firm order by name, id limit 1000")
        else:
            rows = await conn.fetch("select * from broker_firm where id = $1", actor.firm_id)
    return [_firm_summary(r) for r in rows]


def _access(row: asyncpg.Record) -> dict | None:
    if row["autonomy"] is None:
        return None
    limit = row["subscribe_limit_eur"]
    return {"offers": list(row["offers"] or []), "autonomy": row["autonomy"],
            "subscribe_limit_eur": str(limit) if limit is not None else None}


async def _collaborator_rows(conn: asyncpg.Connection, firm_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select a.id, a.email, a.first_name, a.last_name, a.org_role, a.status, a.created_at, x.offers, x.autonomy,"
        " x.subscribe_limit_eur from account a left join broker_access x on x.account_id = a.id"
        " where a.kind = 'broker' and a.broker_firm_id = $1 and a.status <> 'deleted'"
        " order by a.last_name, a.first_name, a.id", firm_id)


def _collaborator(row: asyncpg.Record, actor: Actor, firm_id: uuid.UUID) -> dict:
    out = _user(row)
    # Access details: for the firm's admins and operators, and for the collaborator themselves.
    if actor.manages_firm(firm_id) or actor.account_id == row["id"]:
        out["access"] = _access(row)
    return out


async def firm_view(svc: Services, actor: Actor, firm_id: uuid.UUID) -> dict:
    """« Mon compte »: the firm's details, offers, how contributions are paid, its people and their roles."""
    async with svc.uow.connect() as conn:
        row = await _firm_row(conn, actor, firm_id)
        people = await _collaborator_rows(conn, firm_id)
    collection = ContributionCollection(row["contribution_collection"])
    return {
        **_firm_summary(row),
        "dedicated_contact": {"name": row["contact_name"], "email": row["contact_email"],
                              "phone": row["contact_phone"]},
        "offers": list(row["offers"]),
        "contribution_collection": collection.value,
        "contribution_collection_label": COLLECTION_LABELS[collection],
        "collaborators": [_collaborator(p, actor, firm_id) for p in people],
    }


async def collaborators(svc: Services, actor: Actor, firm_id: uuid.UUID) -> list[dict]:
    async with svc.uow.connect() as conn:
        await _firm_row(conn, actor, firm_id)
        people = await _collaborator_rows(conn, firm_id)
    return [_collaborator(p, actor, firm_id) for p in people]


def _managed(actor: Actor, firm_id: uuid.UUID) -> None:
    if not actor.sees_firm(firm_id):
        raise BrokerFirmNotFound()
    if not actor.manages_firm(firm_id):
        raise AdminRequired()


def _checked(offers: list[str], autonomy: str, limit, firm_offers: list[str]) -> BrokerAccess:
    try:
        return checked_access(offers, autonomy, limit, firm_offers)
    except AccessProblem as exc:
        raise InvalidBrokerAccess(str(exc), field=exc.field) from exc


async def invite_collaborator(svc: Services, actor: Actor, firm_id: uuid.UUID, *, email: str, first_name: str,
                              last_name: str, role: str, offers: list[str], autonomy: str, limit) -> dict:
    _managed(actor, firm_id)
    async with svc.uow.begin() as tx:
        firm = await _firm_row(tx.conn, actor, firm_id)
        access = admin_access(list(firm["offers"])) if role == BrokerRole.ADMIN \
            else _checked(offers, autonomy, limit, list(firm["offers"]))
        invited = await _invite(svc, tx, actor, kind=AccountKind.BROKER, role=role, email=email,
                                first_name=first_name, last_name=last_name, organisation_name=firm["name"],
                                firm_id=firm_id, access=access)
    return {**invited, "access": _access_dict(access)}


def _access_dict(access: BrokerAccess) -> dict:
    limit = access.subscribe_limit_eur
    return {"offers": list(access.offers), "autonomy": access.autonomy.value,
            "subscribe_limit_eur": str(limit) if limit is not None else None}


async def _firm_member(conn: asyncpg.Connection, firm_id: uuid.UUID, user_id: uuid.UUID) -> asyncpg.Record:
    account = await repo.account_by_id(conn, user_id)
    if account is None or account["kind"] != AccountKind.BROKER or account["broker_firm_id"] != firm_id \
            or account["status"] == AccountStatus.DELETED:
        raise ProfessionalUserNotFound()
    return account


async def set_access(svc: Services, actor: Actor, firm_id: uuid.UUID, user_id: uuid.UUID, *, offers: list[str],
                     autonomy: str, limit) -> dict:
    """An admin sets a collaborator's offers and autonomy; their tokens with the old access stop working."""
    _managed(actor, firm_id)
    async with svc.uow.begin() as tx:
        firm = await _firm_row(tx.conn, actor, firm_id)
        account = await _firm_member(tx.conn, firm_id, user_id)
        await tx.conn.execute("select 1 from account where id = $1 for update", user_id)
        access = admin_access(list(firm["offers"])) if account["org_role"] == BrokerRole.ADMIN \
            else _checked(offers, autonomy, limit, list(firm["offers"]))
        await _write_access(tx.conn, user_id, access)
        moved = await _rekey_sessions(tx.conn, user_id)
        await repo.record_security_event(tx.conn, "broker_access.changed", user_id, None,
                                         autonomy=access.autonomy.value, sessions=moved,
                                         changed_by=str(actor.account_id) if actor.account_id else "operator")
    return {**_user(await _reread(svc, user_id)), "access": _access_dict(access)}


async def _reread(svc: Services, user_id: uuid.UUID) -> asyncpg.Record:
    async with svc.uow.connect() as conn:
        return await conn.fetchrow(f"select {_USER_COLUMNS} from account where id = $1", user_id)


async def remove_collaborator(svc: Services, actor: Actor, firm_id: uuid.UUID, user_id: uuid.UUID) -> None:
    _managed(actor, firm_id)
    async with svc.uow.connect() as conn:
        account = await _firm_member(conn, firm_id, user_id)
    await _remove(svc, actor, account)


async def _write_access(conn: asyncpg.Connection, account_id: uuid.UUID, access: BrokerAccess) -> None:
    await conn.execute(
        "insert into broker_access (account_id, offers, autonomy, subscribe_limit_eur) values ($1, $2, $3, $4)"
        " on conflict (account_id) do update set offers = excluded.offers, autonomy = excluded.autonomy,"
        " subscribe_limit_eur = excluded.subscribe_limit_eur, updated_at = now()",
        account_id, list(access.offers), access.autonomy.value, access.subscribe_limit_eur)


async def _rekey_sessions(conn: asyncpg.Connection, account_id: uuid.UUID) -> int:
    """Move each open session of the account to a new id (same refresh token, same family) and revoke
    the old id: access tokens issued before are refused everywhere, a refresh gives the new claims."""
    rows = await conn.fetch(
        "select id, refresh_token_hash, family_id, expires_at, client_ip, device from session"
        " where account_id = $1 and revoked_at is null and expires_at > now() for update", account_id)
    for row in rows:
        await conn.execute(
            "update session set revoked_at = now(), revoked_reason = 'access_changed', refresh_token_hash = $2"
            " where id = $1", row["id"], hash_token(secrets.token_urlsafe(32)))
        new_id = uuid.uuid4()
        await repo.insert_session(conn, new_id, account_id, row["refresh_token_hash"], row["family_id"],
                                  row["expires_at"], row["client_ip"])
        await conn.execute("update session set device = $2 where id = $1", new_id, row["device"])
    return len(rows)


# ---- token claims ---------------------------------------------------------------------------------


async def professional_claims(conn: asyncpg.Connection, account: asyncpg.Record) -> dict:
    """The claims of an employer or broker user's access token (ADR 0013 for brokers)."""
    if account["kind"] == AccountKind.EMPLOYER and account["org_role"]:
        return {"company_role": account["org_role"]}
    if account["kind"] != AccountKind.BROKER or account["broker_firm_id"] is None:
        return {}
    if account["org_role"] == BrokerRole.ADMIN:  # the firm's offers, as they are now, with full autonomy
        access = admin_access(list(await conn.fetchval("select offers from broker_firm where id = $1",
                                                       account["broker_firm_id"]) or []))
        return broker_claims(account["broker_firm_id"], account["org_role"], access)
    row = await conn.fetchrow("select offers, autonomy, subscribe_limit_eur from broker_access where account_id = $1",
                              account["id"])
    if row is None:  # no access set: contracts lets nothing through (unknown autonomy)
        return {"broker_firm_id": str(account["broker_firm_id"]), "broker_role": account["org_role"]}
    access = BrokerAccess(tuple(row["offers"]), Autonomy(row["autonomy"]), row["subscribe_limit_eur"])
    return broker_claims(account["broker_firm_id"], account["org_role"], access)
