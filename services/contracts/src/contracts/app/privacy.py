"""Personal data (ID-11): the export of what contracts holds about a person, and erasure.

Deleting an online account does not end the person's contracts: the registry rows (person,
contracts, beneficiaries, schedules, bank accounts for reimbursements, confirmed
terminations) are the insurer's contractual records and stay. What only the online space
produced is erased or pseudonymised: requests lose their contact details and message and
the account id, terminations lose the account id.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import structlog

from ms_events.envelope import Envelope
from ms_events.events.identity import AccountDeleted
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


async def erase_account(conn: asyncpg.Connection, envelope: Envelope, event: AccountDeleted) -> None:
    """AccountDeleted: pseudonymise what the account produced here (runs in the inbox transaction)."""
    requests = await conn.execute(
        """update contract_request
              set account_id = null, email = null, first_name = null, last_name = null, details = '{}'
            where account_id = $1""", event.account_id)
    terminations = await conn.execute("update termination set account_id = null where account_id = $1", event.account_id)
    log.info("contracts.account_erased", requests=requests.split()[-1], terminations=terminations.split()[-1])


def _rows(rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    return [dict(r) for r in rows]


async def personal_data(uow: UnitOfWork, account_id: uuid.UUID, person_id: uuid.UUID | None) -> dict[str, Any]:
    """Everything this context holds about the person and their account."""
    async with uow.connect() as conn:
        requests = await conn.fetch(
            """select id, kind, status, contract_id, email, first_name, last_name, details, created_at, due_at
                 from contract_request where account_id = $1 or ($2::uuid is not null and holder_id = $2)
                order by created_at""", account_id, person_id)
        data: dict[str, Any] = {"requests": _rows(requests)}
        if person_id is None:
            return data
        data["person"] = dict(await conn.fetchrow(
            "select id, last_name, first_name, birth_date, city, nir from person where id = $1", person_id) or {})
        data["contracts"] = _rows(await conn.fetch(
            """select id, contract_number, category, product_code, member_number, start_date, end_date
                 from contract where holder_id = $1 order by start_date""", person_id))
        data["covered_by"] = _rows(await conn.fetch(
            """select c.contract_number, b.relationship from contract_beneficiary b join contract c on c.id = b.contract_id
                where b.person_id = $1""", person_id))
        data["beneficiaries"] = _rows(await conn.fetch(
            """select c.contract_number, p.id, p.last_name, p.first_name, p.birth_date, b.relationship
                 from contract c join contract_beneficiary b on b.contract_id = c.id join person p on p.id = b.person_id
                where c.holder_id = $1 order by c.contract_number, p.birth_date""", person_id))
        data["bank_accounts"] = _rows(await conn.fetch(
            "select person_id, iban, bic, account_holder, updated_at from bank_account where holder_id = $1", person_id))
        data["terminations"] = _rows(await conn.fetch(
            """select id, contract_id, reason, event_date, summary, status, effective_date, created_at, confirmed_at
                 from termination where holder_id = $1 order by created_at""", person_id))
        data["contribution_schedules"] = _rows(await conn.fetch(
            """select c.contract_number, s.due_date, s.amount_eur from contribution_schedule s
                 join contract c on c.id = s.contract_id where c.holder_id = $1 order by s.due_date""", person_id))
    return data
