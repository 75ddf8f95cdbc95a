"""Identity use cases: one function per command, each change in one transaction with its events."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import structlog

from identity.adapters import repository as repo
from identity.adapters.contracts_client import ContractsClient
from identity.adapters.hashing import PasswordHashing
from identity.adapters.tokens import TokenIssuer
from identity.app.commands import (
    ConfirmAccount, CreateStaffAccount, RequestConfirmationEmail, SignIn, SignUpMember,
)
from identity.domain.accounts import (
    AccountKind, AccountStatus, confirmation_expiry, hash_token, is_email_identifier,
    may_sign_in, new_secret_token, normalize_email,
)
from identity.domain.passwords import PasswordPolicy
from ms_events import outbox
from ms_events.events.identity import AccountConfirmed, AccountCreated, ConfirmationEmailRequested
from ms_platform.problems import Problem

log = structlog.get_logger()


@dataclass
class Services:
    """Everything the use cases need, wired once by bootstrap (fakes in unit tests)."""

    pool: asyncpg.Pool
    hashing: PasswordHashing
    contracts: ContractsClient
    issuer: TokenIssuer
    policy: PasswordPolicy
    contract_number_pattern: str
    confirmation_ttl_hours: int
    refresh_ttl: timedelta


def _password_problem(reasons: list[str]) -> Problem:
    return Problem(422, "password-policy", "Password refused", " ".join(reasons), field="password",
                   errors=[{"field": "password", "message": r} for r in reasons])


CONTRACT_NOT_VERIFIED = Problem(
    422, "contract-not-verified", "Contract not verified",
    "Nous ne retrouvons pas de contrat en cours de validité correspondant à ces informations. "
    "Vérifiez votre nom, votre date de naissance et votre numéro de contrat tels qu'ils figurent "
    "sur votre carte de tiers payant.",
)


async def sign_up_member(svc: Services, cmd: SignUpMember) -> dict:
    """ID-1..ID-5: create a member account for the holder of a contract in force."""
    if not re.fullmatch(svc.contract_number_pattern, cmd.contract_number):
        raise Problem(422, "validation-error", "Invalid request",
                      "contract_number : numéro de contrat invalide.", field="contract_number")
    reasons = svc.policy.problems(cmd.password, first_name=cmd.first_name, last_name=cmd.last_name,
                                  birth_date=cmd.birth_date)
    if reasons:
        raise _password_problem(reasons)
    email = normalize_email(cmd.email)
    async with svc.pool.acquire() as conn:
        await _refuse_conflict(conn, email, cmd.contract_number, None)
    holder = await svc.contracts.verify_holder(cmd.contract_number, cmd.last_name, cmd.first_name, cmd.birth_date)
    if holder is None:
        raise CONTRACT_NOT_VERIFIED
    password_hash = await svc.hashing.hash(cmd.password)
    account_id = uuid.uuid4()
    token, token_hash = new_secret_token()
    now = datetime.now(UTC)
    expires = confirmation_expiry(now, svc.confirmation_ttl_hours)
    async with svc.pool.acquire() as conn:
        async with conn.transaction():
            await _refuse_conflict(conn, email, cmd.contract_number, holder.member_number)
            try:
                await repo.insert_account(
                    conn, id=account_id, kind=AccountKind.MEMBER.value, email=cmd.email.strip(),
                    email_normalized=email, member_number=holder.member_number, first_name=cmd.first_name,
                    last_name=cmd.last_name, birth_date=cmd.birth_date, phone=cmd.phone,
                    person_id=uuid.UUID(holder.holder_id), category=holder.category,
                    contract_number=holder.contract_number, password_hash=password_hash,
                    status=AccountStatus.PENDING_CONFIRMATION.value, created_at=now,
                )
            except asyncpg.UniqueViolationError as exc:
                raise _conflict("email" if "email" in (exc.constraint_name or "") else "contract") from exc
            await repo.insert_confirmation(conn, account_id, token_hash, expires)
            await outbox.append(conn, AccountCreated(
                account_id=account_id, kind=AccountKind.MEMBER.value, email=cmd.email.strip(),
                first_name=cmd.first_name, last_name=cmd.last_name, member_number=holder.member_number,
                category=holder.category, confirmation_token=token, confirmation_expires_at=expires,
                created_at=now,
            ))
            await repo.record_security_event(conn, "account.created", account_id, None)
    log.info("account.created", account_id=str(account_id), category=holder.category)
    return {"id": str(account_id), "status": AccountStatus.PENDING_CONFIRMATION.value,
            "email": cmd.email.strip(), "confirmation_expires_at": expires.isoformat()}


async def _refuse_conflict(conn: asyncpg.Connection, email: str, contract_number: str, member_number: str | None) -> None:
    taken = await repo.find_conflict(conn, email, contract_number, member_number)
    if taken:
        raise _conflict(taken)


def _conflict(what: str) -> Problem:
    if what == "email":
        return Problem(409, "email-already-used", "Email already used",
                       "Cette adresse e-mail est déjà utilisée par un compte. Connectez-vous ou "
                       "utilisez « Mot de passe oublié ».", field="email")
    return Problem(409, "contract-already-registered", "Contract already registered",
                   "Un espace adhérent existe déjà pour ce contrat. Connectez-vous ou utilisez "
                   "« Mot de passe oublié ».", field="contract_number")


INVALID_CONFIRMATION = Problem(
    400, "confirmation-token-invalid", "Invalid confirmation link",
    "Ce lien de confirmation n'est pas valide ou a expiré.", field="token",
)


async def confirm_account(svc: Services, cmd: ConfirmAccount) -> dict:
    """Confirm the email address with the single-use token from the confirmation email."""
    token_hash = hash_token(cmd.token)
    async with svc.pool.acquire() as conn:
        async with conn.transaction():
            row = await repo.claim_confirmation(conn, token_hash)
            if row is None:
                raise INVALID_CONFIRMATION
            if row["used_at"] is not None:
                # A retried request (flaky network) for an already confirmed account is fine.
                if row["status"] == AccountStatus.ACTIVE:
                    return {"id": str(row["account_id"]), "status": AccountStatus.ACTIVE.value}
                raise INVALID_CONFIRMATION
            if row["expires_at"] < datetime.now(UTC) or row["status"] != AccountStatus.PENDING_CONFIRMATION:
                raise INVALID_CONFIRMATION
            confirmed_at = await repo.activate(conn, row["account_id"], token_hash)
            await outbox.append(conn, AccountConfirmed(account_id=row["account_id"], confirmed_at=confirmed_at))
            await repo.record_security_event(conn, "account.confirmed", row["account_id"], None)
    return {"id": str(row["account_id"]), "status": AccountStatus.ACTIVE.value}


async def request_confirmation_email(svc: Services, cmd: RequestConfirmationEmail) -> None:
    """Send a new confirmation link to an account still waiting for one; silent otherwise.

    The answer is the same whether or not the address has an account (ID-7's rule applies
    here too), so nothing is learnt by asking.
    """
    token, token_hash = new_secret_token()
    now = datetime.now(UTC)
    expires = confirmation_expiry(now, svc.confirmation_ttl_hours)
    async with svc.pool.acquire() as conn:
        async with conn.transaction():
            account = await repo.pending_account_by_email(conn, normalize_email(cmd.email))
            if account is None:
                return
            await repo.insert_confirmation(conn, account["id"], token_hash, expires)
            await outbox.append(conn, ConfirmationEmailRequested(
                account_id=account["id"], kind=account["kind"], email=account["email"],
                first_name=account["first_name"], last_name=account["last_name"],
                confirmation_token=token, confirmation_expires_at=expires, requested_at=now,
            ))
            await repo.record_security_event(conn, "confirmation.requested", account["id"], None)


INVALID_CREDENTIALS = Problem(401, "invalid-credentials", "Invalid credentials",
                              "Identifiant ou mot de passe incorrect.")


async def sign_in(svc: Services, cmd: SignIn) -> dict:
    """ID-6: sign in with email or member number and password; answers a token pair."""
    by_email = is_email_identifier(cmd.identifier)
    identifier = normalize_email(cmd.identifier) if by_email else cmd.identifier.strip().upper()
    async with svc.pool.acquire() as conn:
        account = await repo.account_by_identifier(conn, identifier, by_email)
    valid = await svc.hashing.verify(account["password_hash"] if account else None, cmd.password)
    if not valid or account is None:
        async with svc.pool.acquire() as conn:
            await repo.record_security_event(conn, "sign_in.failed", account["id"] if account else None, cmd.client_ip)
        raise INVALID_CREDENTIALS
    decision = may_sign_in(account["status"])
    if not decision.allowed:
        if decision.reason == "not-confirmed":
            raise Problem(403, "account-not-confirmed", "Account not confirmed",
                          "Votre adresse e-mail n'est pas encore confirmée. Cliquez sur le lien reçu "
                          "par e-mail après votre inscription.")
        raise INVALID_CREDENTIALS
    new_hash = await svc.hashing.hash(cmd.password) if svc.hashing.needs_rehash(account["password_hash"]) else None
    return await _open_session(svc, account, cmd.client_ip, new_hash)


async def _open_session(svc: Services, account: asyncpg.Record, client_ip: str | None, new_hash: str | None) -> dict:
    session_id = uuid.uuid4()
    refresh_token = secrets.token_urlsafe(32)
    async with svc.pool.acquire() as conn:
        async with conn.transaction():
            if new_hash:
                await repo.update_password_hash(conn, account["id"], new_hash)
            await repo.insert_session(conn, session_id, account["id"], hash_token(refresh_token), uuid.uuid4(),
                                      datetime.now(UTC) + svc.refresh_ttl, client_ip)
            await repo.record_security_event(conn, "sign_in.succeeded", account["id"], client_ip)
    claims = {"kind": account["kind"]}
    if account["person_id"]:
        claims.update(person_id=str(account["person_id"]), categories=[account["category"]])
    access = svc.issuer.access_token(str(account["id"]), [account["kind"]], str(session_id), **claims)
    return {"access_token": access, "refresh_token": refresh_token, "token_type": "Bearer",
            "expires_in": svc.issuer.ttl_s}


async def create_staff_account(svc: Services, cmd: CreateStaffAccount) -> uuid.UUID:
    """Operator command: employer, broker, agent or operator accounts, never by public sign-up."""
    kind = AccountKind(cmd.kind)
    if kind == AccountKind.MEMBER:
        raise ValueError("members sign up with their contract")
    reasons = svc.policy.problems(cmd.password, first_name=cmd.first_name, last_name=cmd.last_name)
    if reasons:
        raise _password_problem(reasons)
    password_hash = await svc.hashing.hash(cmd.password)
    account_id = uuid.uuid4()
    async with svc.pool.acquire() as conn:
        async with conn.transaction():
            await repo.insert_account(
                conn, id=account_id, kind=kind.value, email=cmd.email, email_normalized=normalize_email(cmd.email),
                first_name=cmd.first_name, last_name=cmd.last_name, password_hash=password_hash,
                status=AccountStatus.ACTIVE.value, confirmed_at=datetime.now(UTC),
            )
            await repo.record_security_event(conn, "account.created", account_id, None, account_kind=kind.value)
    return account_id
