"""Identity use cases: one function per command, each change in one transaction with its events."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg
from stdnum.fr import siren
import structlog

from identity.adapters import repository as repo
from identity.adapters.contracts_client import ContractsClient
from identity.adapters.secret_box import SecretBox
from identity.adapters.hashing import PasswordHashing
from identity.adapters.personal_data import PersonalDataClients
from identity.adapters.tokens import TokenIssuer
from identity.app.commands import (
    ConfirmAccount, CreateStaffAccount, RequestConfirmationEmail, SignUpMember,
)
from identity.domain.accounts import (
    AccountKind, AccountStatus, confirmation_expiry, hash_token,
    new_secret_token, normalize_email,
)
from identity.domain.errors import (
    ContractAlreadyRegistered, ContractNotVerified, InvalidConfirmationLink, InvalidContractNumber, PasswordRefused,
)
from identity.domain.names import person_name
from identity.domain.passwords import PasswordPolicy
from identity.domain.throttling import ThrottlePolicy
from ms_events.events.identity import (
    AccountConfirmed, AccountCreated, ConfirmationEmailRequested, SignUpAttemptedWithExistingEmail,
)
from ms_platform.uow import Transaction, UnitOfWork

log = structlog.get_logger()


@dataclass
class Services:
    """Everything the use cases need, wired once by bootstrap (fakes in unit tests)."""

    uow: UnitOfWork
    hashing: PasswordHashing
    contracts: ContractsClient
    issuer: TokenIssuer
    policy: PasswordPolicy
    contract_number_pattern: str
    confirmation_ttl_hours: int
    refresh_ttl: timedelta
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    reset_ttl: timedelta = timedelta(minutes=30)
    email_change_ttl: timedelta = timedelta(hours=24)
    challenge_ttl: timedelta = timedelta(minutes=5)
    personal_data: PersonalDataClients | None = None
    totp_box: SecretBox | None = None
    # Professional users' invitation links (issue 15, ID-14).
    invitation_ttl: timedelta = timedelta(days=7)


async def sign_up_member(svc: Services, cmd: SignUpMember) -> dict:
    """ID-1..ID-5: create a member account for the holder of a contract in force."""
    if not re.fullmatch(svc.contract_number_pattern, cmd.contract_number):
        raise InvalidContractNumber()
    reasons = svc.policy.problems(cmd.password, first_name=cmd.first_name, last_name=cmd.last_name,
                                  birth_date=cmd.birth_date)
    if reasons:
        raise PasswordRefused(reasons, field="password")
    email = normalize_email(cmd.email)
    # The holder is verified first: only someone who knows the holder's details learns
    # that the contract already has an account (409); an address already used is never told.
    holder = await svc.contracts.verify_holder(cmd.contract_number, cmd.last_name, cmd.first_name, cmd.birth_date)
    if holder is None:
        raise ContractNotVerified()
    password_hash = await svc.hashing.hash(cmd.password)
    account_id = uuid.uuid4()
    token, token_hash = new_secret_token()
    now = datetime.now(UTC)
    expires = confirmation_expiry(now, svc.confirmation_ttl_hours)
    accepted = {"id": str(account_id), "status": AccountStatus.PENDING_CONFIRMATION.value,
                "email": cmd.email.strip(), "confirmation_expires_at": expires.isoformat()}
    async with svc.uow.begin() as tx:
        if await repo.contract_taken(tx.conn, cmd.contract_number, holder.member_number):
            raise ContractAlreadyRegistered()
        owner = await repo.account_by_email_any_status(tx.conn, email)
        if owner is not None:
            await _tell_owner(tx, owner, now)
            return accepted
        try:
            # A savepoint: a duplicate address found at insert must not abort the unit of work.
            async with tx.conn.transaction():
                await repo.insert_account(
                    tx.conn, id=account_id, kind=AccountKind.MEMBER.value, email=cmd.email.strip(),
                    email_normalized=email, member_number=holder.member_number, first_name=cmd.first_name,
                    last_name=cmd.last_name, birth_date=cmd.birth_date, phone=cmd.phone,
                    person_id=uuid.UUID(holder.holder_id), category=holder.category,
                    contract_number=holder.contract_number, password_hash=password_hash,
                    status=AccountStatus.PENDING_CONFIRMATION.value, created_at=now,
                )
        except asyncpg.UniqueViolationError as exc:
            if "email" not in (exc.constraint_name or ""):
                raise ContractAlreadyRegistered() from exc
            owner = await repo.account_by_email_any_status(tx.conn, email)
            if owner is not None:
                await _tell_owner(tx, owner, now)
            return accepted
        await repo.insert_confirmation(tx.conn, account_id, token_hash, expires)
        tx.publish(AccountCreated(
            account_id=account_id, kind=AccountKind.MEMBER.value, email=cmd.email.strip(),
            first_name=cmd.first_name, last_name=cmd.last_name, member_number=holder.member_number,
            category=holder.category, confirmation_expires_at=expires, created_at=now,
        ))
        # The link itself goes only on the private topic (notify), in the same outbox transaction.
        tx.publish(ConfirmationEmailRequested(
            account_id=account_id, kind=AccountKind.MEMBER.value, email=cmd.email.strip(),
            first_name=cmd.first_name, last_name=cmd.last_name, reason="sign_up",
            confirmation_token=token, confirmation_expires_at=expires, requested_at=now,
        ))
        await repo.record_security_event(tx.conn, "account.created", account_id, None)
    log.info("account.created", account_id=str(account_id), category=holder.category)
    return accepted


async def _tell_owner(tx: Transaction, owner: asyncpg.Record, now: datetime) -> None:
    """The address already has an account: its owner is told, the caller learns nothing."""
    tx.publish(SignUpAttemptedWithExistingEmail(
        account_id=owner["id"], email=owner["email"], first_name=owner["first_name"],
        last_name=owner["last_name"], attempted_at=now))
    await repo.record_security_event(tx.conn, "sign_up.existing_email", owner["id"], None)


async def confirm_account(svc: Services, cmd: ConfirmAccount) -> dict:
    """Confirm the email address with the single-use token from the confirmation email."""
    token_hash = hash_token(cmd.token)
    async with svc.uow.begin() as tx:
        row = await repo.claim_confirmation(tx.conn, token_hash)
        if row is None:
            raise InvalidConfirmationLink()
        if row["used_at"] is not None:
            # A retried request (flaky network) for an already confirmed account is fine.
            if row["status"] == AccountStatus.ACTIVE:
                return {"id": str(row["account_id"]), "status": AccountStatus.ACTIVE.value}
            raise InvalidConfirmationLink()
        if row["expires_at"] < datetime.now(UTC) or row["status"] != AccountStatus.PENDING_CONFIRMATION:
            raise InvalidConfirmationLink()
        confirmed_at = await repo.activate(tx.conn, row["account_id"], token_hash)
        tx.publish(AccountConfirmed(account_id=row["account_id"], confirmed_at=confirmed_at))
        await repo.record_security_event(tx.conn, "account.confirmed", row["account_id"], None)
    return {"id": str(row["account_id"]), "status": AccountStatus.ACTIVE.value}


async def request_confirmation_email(svc: Services, cmd: RequestConfirmationEmail) -> None:
    """Send a new confirmation link to an account still waiting for one; silent otherwise.

    The answer is the same whether or not the address has an account (ID-7's rule applies
    here too), so nothing is learnt by asking.
    """
    token, token_hash = new_secret_token()
    now = datetime.now(UTC)
    expires = confirmation_expiry(now, svc.confirmation_ttl_hours)
    async with svc.uow.begin() as tx:
        account = await repo.pending_account_by_email(tx.conn, normalize_email(cmd.email))
        if account is None:
            return
        await repo.insert_confirmation(tx.conn, account["id"], token_hash, expires)
        tx.publish(ConfirmationEmailRequested(
            account_id=account["id"], kind=account["kind"], email=account["email"],
            first_name=account["first_name"], last_name=account["last_name"], reason="resend",
            confirmation_token=token, confirmation_expires_at=expires, requested_at=now,
        ))
        await repo.record_security_event(tx.conn, "confirmation.requested", account["id"], None)


async def create_staff_account(svc: Services, cmd: CreateStaffAccount) -> uuid.UUID:
    """Operator command: employer, broker, agent or operator accounts, never by public sign-up."""
    kind = AccountKind(cmd.kind)
    if kind == AccountKind.MEMBER:
        raise ValueError("members sign up with their contract")
    company = siren.compact(cmd.company_siren) if cmd.company_siren else None
    if (kind == AccountKind.EMPLOYER) != (company is not None):
        raise ValueError("an employer user, and only an employer user, belongs to a company (--company-siren)")
    if company is not None and not siren.is_valid(company):
        raise ValueError(f"invalid SIREN: {cmd.company_siren}")
    first_name, last_name = person_name(cmd.first_name), person_name(cmd.last_name)
    reasons = svc.policy.problems(cmd.password, first_name=first_name, last_name=last_name)
    if reasons:
        raise PasswordRefused(reasons, field="password")
    password_hash = await svc.hashing.hash(cmd.password)
    account_id = uuid.uuid4()
    async with svc.uow.begin() as tx:
        await repo.insert_account(
            tx.conn, id=account_id, kind=kind.value, email=cmd.email, email_normalized=normalize_email(cmd.email),
            first_name=first_name, last_name=last_name, password_hash=password_hash,
            status=AccountStatus.ACTIVE.value, confirmed_at=datetime.now(UTC), company_siren=company,
            # An employer user made by the operator is their company's admin (invites the others).
            org_role="admin" if kind == AccountKind.EMPLOYER else None,
        )
        await repo.record_security_event(tx.conn, "account.created", account_id, None, account_kind=kind.value)
    return account_id
