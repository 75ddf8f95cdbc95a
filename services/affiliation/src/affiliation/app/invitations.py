"""Invitations (AF-2): the employer invites an employee by email; the link opens a page of the
employee's space where they fill in their details, beneficiaries and options, and the request
then follows the employer's path (affiliations.open_request).

The link's token is random (secrets), single-use and expiring; only its SHA-256 is stored, and it
travels to notify on the private affiliation.secret.v1 only.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import structlog

from affiliation.adapters import repository as repo
from affiliation.app.affiliations import Affiliation, Employee, Rules, open_request
from affiliation.app.companies import existing_company
from affiliation.domain.errors import InvitationUnusable, ProvidentNotAffiliable, UnknownContract
from affiliation.domain.rules import Category, Origin
from ms_events.events.affiliation import EmployeeInvitationEmailRequested, EmployeeInvited
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def invite(uow: UnitOfWork, siren: str, group_contract_id: uuid.UUID, email: str, first_name: str,
                 last_name: str, account_id: uuid.UUID | None, ttl: timedelta, now: datetime) -> dict[str, Any]:
    token = secrets.token_urlsafe(32)
    values = {"id": uuid.uuid4(), "siren": siren, "group_contract_id": group_contract_id, "email": email,
              "first_name": first_name, "last_name": last_name, "token_hash": token_hash(token),
              "account_id": account_id, "expires_at": now + ttl, "created_at": now}
    async with uow.begin() as tx:
        company = await existing_company(tx.conn, siren)
        contract = await repo.group_contract(tx.conn, siren, group_contract_id)
        if contract is None:
            raise UnknownContract()
        if contract["category"] != Category.SANTE:
            raise ProvidentNotAffiliable()
        await repo.add_invitation(tx.conn, values)
        tx.publish(
            EmployeeInvited(invitation_id=values["id"], siren=siren, group_contract_id=group_contract_id,
                            first_name=first_name, last_name=last_name, account_id=account_id,
                            expires_at=values["expires_at"], invited_at=now),
            EmployeeInvitationEmailRequested(invitation_id=values["id"], siren=siren, company_name=company["name"],
                                             email=email, first_name=first_name, last_name=last_name,
                                             invitation_token=token, expires_at=values["expires_at"]),
        )
    log.info("affiliation.employee_invited", invitation_id=str(values["id"]))
    return {k: v for k, v in values.items() if k not in ("token_hash", "siren", "account_id")} | {"used_at": None}


async def invitations_of(uow: UnitOfWork, siren: str, limit: int) -> list[dict[str, Any]]:
    async with uow.connect() as conn:
        await existing_company(conn, siren)
        return [dict(r) for r in await repo.invitations_of(conn, siren, limit)]


async def what_the_link_shows(uow: UnitOfWork, token: str, now: datetime) -> dict[str, Any]:
    """The page the link opens: the company, the contract and its options, the names invited."""
    async with uow.connect() as conn:
        row = await repo.usable_invitation(conn, token_hash(token), now)
    if row is None:
        raise InvitationUnusable()
    return {"company_name": row["company_name"], "contract_label": row["contract_label"],
            "group_contract_id": row["group_contract_id"], "options": list(row["options"]),
            "contract_start_date": row["contract_start"], "first_name": row["first_name"],
            "last_name": row["last_name"], "email": row["email"], "expires_at": row["expires_at"]}


async def complete(uow: UnitOfWork, rules: Rules, token: str, employee: Employee, start_date: date,
                   options: list[str], beneficiaries: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """The employee's details from the link: the invitation is used and the request received, in one
    transaction (a refused form leaves the link usable)."""
    async with uow.begin() as tx:
        row = await repo.usable_invitation(tx.conn, token_hash(token), now, for_update=True)
        if row is None:
            raise InvitationUnusable()
        # The employee's email is the one invited (the activation link goes there, ID-13).
        affiliation = Affiliation(Employee(employee.first_name, employee.last_name, employee.birth_date,
                                           employee.nir, employee.address, row["email"]),
                                  row["group_contract_id"], start_date, options, beneficiaries)
        request = await open_request(tx, rules, row["siren"], affiliation, Origin.INVITATION, None, row["id"], now)
        await repo.use_invitation(tx.conn, row["id"], request["id"], now)
    log.info("affiliation.request_received", request_id=str(request["id"]), origin="invitation")
    return request
