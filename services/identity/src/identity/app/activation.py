"""Pre-registration of affiliated employees and their activation (ID-13).

On affiliation's ``EmployeeAffiliated`` (the worker, in the inbox transaction) identity writes a
pre-registered member account: the employee's names, birth date, postal address and email if the
employer gave one. Its ``person_id`` is the employee's person in the contracts registry, told by
contracts' ``ContractRegistered`` when it adds the employee to the group contract (AF-3,
``affiliation_employee_id``): whichever event comes first, the other finds it (both take a lock on
the employee id); until then it is the affiliation's employee id, which contracts uses for a person
it did not know. So the activated account's token shows the group contract. The activation travels privately (``ActivationRequested`` on
identity.secret.v1, notify only): with an email, a single-use link; without, a code printed on a
postal letter. Only the secret's SHA-256 is stored; it is never logged.

An employee whose email already has a member space of theirs (``joins_existing_account``: the
address and the birth date, never the names) gets no second account: once contracts' membership
is known, ``ExistingAccountAffiliated`` tells contracts to make that account's person the
membership's holder, and notify emails the member that the group contract was added to their
space (no activation link).

Activation: the link's token or the letter's code with a password. With the emailed link the
address is proven: the account is active at once. With the letter's code the employee gives the
address their space will use, which is confirmed like a sign-up's (pending_confirmation and the
usual confirmation email). Either way AccountCreated then tells the other contexts (notify's contact
projection) that the account exists.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Mapping

import asyncpg
import structlog

from identity.adapters import repository as repo
from identity.app.commands import ActivateAccount
from identity.app.handlers import Services
from identity.domain.accounts import (
    AccountKind, AccountStatus, activation_token_hashes, confirmation_expiry, new_activation_code,
    new_secret_token, normalize_email,
)
from identity.domain.errors import ActivationEmailRequired, EmailAlreadyUsed, InvalidActivationLink, PasswordRefused
from ms_events.envelope import Envelope
from ms_events.events.affiliation import EmployeeAffiliated
from ms_events.events.contracts import ContractRegistered
from ms_events.events.identity import (
    AccountConfirmed, AccountCreated, AccountPreRegistered, ActivationRequested, ConfirmationEmailRequested,
    ExistingAccountAffiliated, PostalAddress,
)
from ms_events.outbox import append

log = structlog.get_logger()


class PreRegistration:
    """The worker's handler for ``EmployeeAffiliated`` (runs in the consumer's inbox transaction)."""

    def __init__(self, activation_ttl: timedelta) -> None:
        self.activation_ttl = activation_ttl

    async def __call__(self, conn: asyncpg.Connection, envelope: Envelope, event: EmployeeAffiliated) -> None:
        await _lock_employee(conn, event.employee_id)
        if await conn.fetchval("select id from account where affiliation_employee_id = $1"
                               " union all select account_id from affiliated_account where employee_id = $1",
                               event.employee_id):
            log.info("identity.pre_registration.already_done")
            return
        email = str(event.email).strip() if event.email else None
        existing = await repo.account_by_email_any_status(conn, normalize_email(email)) if email else None
        if existing is not None:
            # The address already has a space: no second account; the person keeps theirs. A member
            # space of the same person (same birth date as the employer declared) gets the group contract.
            if joins_existing_account(existing, event):
                await _join_existing_account(conn, existing, event)
                return
            await repo.record_security_event(conn, "pre_registration.email_taken", None, None,
                                             siren=event.siren)
            log.warning("identity.pre_registration.email_taken", siren=event.siren)
            return
        account_id = uuid.uuid4()
        now = datetime.now(UTC)
        expires = now + self.activation_ttl
        channel = "email" if email else "letter"
        token, token_hash = new_secret_token() if email else new_activation_code()
        address = event.address.model_dump(mode="json")
        person_id = await conn.fetchval("select person_id from affiliated_person where employee_id = $1",
                                        event.employee_id) or event.employee_id
        await repo.insert_account(
            conn, id=account_id, kind=AccountKind.MEMBER.value, email=email,
            email_normalized=normalize_email(email) if email else None, first_name=event.first_name,
            last_name=event.last_name, birth_date=event.birth_date, person_id=person_id,
            category=event.category, status=AccountStatus.PRE_REGISTERED.value, created_at=now,
            address=address, city=address.get("city"), affiliation_employee_id=event.employee_id,
        )
        await conn.execute(
            "insert into account_activation (token_hash, account_id, channel, expires_at) values ($1, $2, $3, $4)",
            token_hash, account_id, channel, expires)
        await append(
            conn,
            AccountPreRegistered(
                account_id=account_id, kind=AccountKind.MEMBER.value, first_name=event.first_name,
                last_name=event.last_name, siren=event.siren, contract_number=event.contract_number,
                channel=channel, activation_expires_at=expires, pre_registered_at=now),
            ActivationRequested(
                account_id=account_id, first_name=event.first_name, last_name=event.last_name,
                company_name=event.company_name, email=email,
                address=None if email else PostalAddress(**address),
                activation_token=token, activation_expires_at=expires, requested_at=now),
        )
        await repo.record_security_event(conn, "account.pre_registered", account_id, None, channel=channel)
        log.info("identity.pre_registered", account_id=str(account_id), channel=channel)


def joins_existing_account(account: Mapping[str, Any], event: EmployeeAffiliated) -> bool:
    """Whether the account holding the employee's email is the employee's own member space: a member
    account (active, waiting for its confirmation or pre-registered by another employer) with a
    registry person and the birth date the employer declared. The match is the proven address and
    the birth date, never the names: an employer's typing of names may differ from the space's."""
    return (account["kind"] == AccountKind.MEMBER.value and account["person_id"] is not None
            and account["status"] != AccountStatus.DELETED.value and account["birth_date"] == event.birth_date)


async def _join_existing_account(conn: asyncpg.Connection, account: Mapping[str, Any],
                                 event: EmployeeAffiliated) -> None:
    """Remember that the employee is this account's person; the group contract joins the account
    once contracts' membership is known (``ContractRegistered``), whichever event comes first."""
    await conn.execute(
        "insert into affiliated_account (employee_id, account_id, siren, company_name, contract_number, category)"
        " values ($1, $2, $3, $4, $5, $6) on conflict (employee_id) do nothing",
        event.employee_id, account["id"], event.siren, event.company_name, event.contract_number, event.category)
    await repo.record_security_event(conn, "affiliation.existing_account", account["id"], None, siren=event.siren)
    log.info("identity.pre_registration.existing_account", account_id=str(account["id"]))
    if await conn.fetchval("select 1 from affiliated_person where employee_id = $1", event.employee_id):
        await _hand_membership_over(conn, event.employee_id)


async def _hand_membership_over(conn: asyncpg.Connection, employee_id: uuid.UUID) -> None:
    """contracts' membership of an employee whose email had a space: ExistingAccountAffiliated tells
    contracts to make the account's person its holder (and notify to tell the member), once."""
    row = await conn.fetchrow(
        "update affiliated_account g set joined_at = now() from account a"
        " where g.employee_id = $1 and g.joined_at is null and a.id = g.account_id and a.status <> 'deleted'"
        " and a.person_id is not null"
        " returning g.account_id, a.person_id, g.siren, g.company_name, g.contract_number, g.category, g.joined_at",
        employee_id)
    if row is None:
        return
    await append(conn, ExistingAccountAffiliated(
        account_id=row["account_id"], person_id=row["person_id"], affiliation_employee_id=employee_id,
        siren=row["siren"], company_name=row["company_name"], contract_number=row["contract_number"],
        category=row["category"], affiliated_at=row["joined_at"]))
    log.info("identity.existing_account_affiliated", account_id=str(row["account_id"]))


async def _lock_employee(conn: asyncpg.Connection, employee_id: uuid.UUID) -> None:
    """Serialise the two events about one employee until the transaction ends."""
    await conn.execute("select pg_advisory_xact_lock(hashtext('affiliated:' || $1))", str(employee_id))


async def employee_person_known(conn: asyncpg.Connection, envelope: Envelope, event: ContractRegistered) -> None:
    """contracts' ContractRegistered: an affiliated employee's registry person becomes their account's."""
    if event.affiliation_employee_id is None:
        return  # an insurer's import: nothing to do with pre-registration
    await _lock_employee(conn, event.affiliation_employee_id)
    await conn.execute(
        "insert into affiliated_person (employee_id, person_id) values ($1, $2)"
        " on conflict (employee_id) do update set person_id = excluded.person_id",
        event.affiliation_employee_id, event.holder_id)
    await conn.execute(
        "update account set person_id = $2, updated_at = now()"
        " where affiliation_employee_id = $1 and person_id is distinct from $2 and status <> 'deleted'",
        event.affiliation_employee_id, event.holder_id)
    await _hand_membership_over(conn, event.affiliation_employee_id)


async def activate_account(svc: Services, cmd: ActivateAccount) -> dict:
    """Set the password of a pre-registered account with its link or code (ID-13)."""
    hashes = activation_token_hashes(cmd.token)
    async with svc.uow.begin() as tx:
        row = await tx.conn.fetchrow(
            "select v.token_hash, v.account_id, v.channel, v.expires_at, v.used_at, a.status, a.email,"
            " a.first_name, a.last_name, a.birth_date, a.category"
            " from account_activation v join account a on a.id = v.account_id"
            " where v.token_hash = any($1::bytea[]) for update of v, a", hashes)
        if (row is None or row["used_at"] is not None or row["expires_at"] < datetime.now(UTC)
                or row["status"] != AccountStatus.PRE_REGISTERED):
            raise InvalidActivationLink()
        reasons = svc.policy.problems(cmd.password, first_name=row["first_name"], last_name=row["last_name"],
                                      birth_date=row["birth_date"])
        if reasons:
            raise PasswordRefused(reasons, field="password")
        email = row["email"]
        if row["channel"] == "letter":
            if not cmd.email:
                raise ActivationEmailRequired()
            email = cmd.email.strip()
            if await repo.account_by_email_any_status(tx.conn, normalize_email(email)) is not None:
                raise EmailAlreadyUsed("Cette adresse e-mail est déjà celle d'un autre espace : indiquez-en une "
                                       "autre, ou connectez-vous à cet espace.", field="email")
        password_hash = await svc.hashing.hash(cmd.password)
        now = datetime.now(UTC)
        account_id = row["account_id"]
        await tx.conn.execute("update account_activation set used_at = $2 where token_hash = $1",
                              row["token_hash"], now)
        if row["channel"] == "email":
            # The link came to this address: it is proven, the account can sign in.
            status = AccountStatus.ACTIVE
            await tx.conn.execute(
                "update account set password_hash = $2, status = 'active', confirmed_at = $3,"
                " password_changed_at = $3, updated_at = $3 where id = $1", account_id, password_hash, now)
            tx.publish(AccountCreated(
                account_id=account_id, kind=AccountKind.MEMBER.value, email=email, first_name=row["first_name"],
                last_name=row["last_name"], category=row["category"], confirmation_expires_at=now, created_at=now))
            tx.publish(AccountConfirmed(account_id=account_id, confirmed_at=now))
        else:
            # The letter proved the postal address; the email given now is confirmed like a sign-up's.
            status = AccountStatus.PENDING_CONFIRMATION
            token, token_hash = new_secret_token()
            expires = confirmation_expiry(now, svc.confirmation_ttl_hours)
            try:
                async with tx.conn.transaction():
                    await tx.conn.execute(
                        "update account set email = $2, email_normalized = $3, password_hash = $4,"
                        " status = 'pending_confirmation', password_changed_at = $5, updated_at = $5 where id = $1",
                        account_id, email, normalize_email(email), password_hash, now)
            except asyncpg.UniqueViolationError as exc:  # the same address taken concurrently
                raise EmailAlreadyUsed("Cette adresse e-mail est déjà celle d'un autre espace : indiquez-en une "
                                       "autre, ou connectez-vous à cet espace.", field="email") from exc
            await repo.insert_confirmation(tx.conn, account_id, token_hash, expires)
            tx.publish(AccountCreated(
                account_id=account_id, kind=AccountKind.MEMBER.value, email=email, first_name=row["first_name"],
                last_name=row["last_name"], category=row["category"], confirmation_expires_at=expires,
                created_at=now))
            tx.publish(ConfirmationEmailRequested(
                account_id=account_id, kind=AccountKind.MEMBER.value, email=email, first_name=row["first_name"],
                last_name=row["last_name"], reason="sign_up", confirmation_token=token,
                confirmation_expires_at=expires, requested_at=now))
        await repo.record_security_event(tx.conn, "account.activated", account_id, None, channel=row["channel"])
    log.info("identity.account_activated", account_id=str(account_id), channel=row["channel"])
    return {"id": str(account_id), "status": status.value}
