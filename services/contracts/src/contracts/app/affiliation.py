"""AF-3: an employee affiliated by their employer joins the company's group contract.

The worker consumes affiliation's ``EmployeeAffiliated`` (in the inbox transaction: once per
event) and writes the employee's membership of the group contract: a contract row held by the
employee, with the company's SIREN (so the employer's list shows it), the group contract's number
in ``group_contract_number``, and the group contract's product — the company's group contract as
the insurer's import registered it here (same contract number), or else the deployment's group
product for the category (``CONTRACTS_GROUP_PRODUCTS``). The member number comes from a sequence;
the membership's contract number is the group contract's followed by it.

The employee's person is a new registry person whose id is the affiliation's employee id, or the
one the registry already has under the same names and birth date (the registry's rule for people).
``ContractRegistered`` is published as for an import, with ``affiliation_employee_id``: identity
takes its ``holder_id`` as the pre-registered account's ``person_id`` (ID-13), so the activated
account's token shows the membership. When the employee's email already had a member space of
theirs, identity's ``ExistingAccountAffiliated`` hands the membership to that account's person
(``existing_account_affiliated``).
"""

from __future__ import annotations

import uuid

import asyncpg
import structlog

from contracts.domain.names import person_key
from ms_events.consumer import Unprocessable
from ms_events.envelope import Envelope
from ms_events.events.affiliation import EmployeeAffiliated
from ms_events.events.contracts import ContractRegistered
from ms_events.events.identity import ExistingAccountAffiliated
from ms_events.outbox import append

log = structlog.get_logger()

# The membership's contract id is derived from the employee's: a second delivery finds it.
MEMBERSHIP_NAMESPACE = uuid.UUID("5d0c1f64-8b1e-4f4a-9a55-2f1f3c7e0a13")


def membership_id(employee_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(MEMBERSHIP_NAMESPACE, str(employee_id))


def membership_number(group_contract_number: str, member_number: str) -> str:
    return f"{group_contract_number}-{member_number}"


class GroupMembership:
    """The worker's handler for ``EmployeeAffiliated``."""

    def __init__(self, group_products: dict[str, str]) -> None:
        self.group_products = dict(group_products)

    async def __call__(self, conn: asyncpg.Connection, envelope: Envelope, event: EmployeeAffiliated) -> None:
        if await conn.fetchval("select 1 from contract where affiliation_employee_id = $1", event.employee_id):
            log.info("contracts.affiliation.already_member")
            return
        product_code = await self._product(conn, event)
        holder_id = await _employee_person(conn, event)
        member_number = str(await conn.fetchval("select nextval('affiliated_member_number')"))
        contract_id = membership_id(event.employee_id)
        number = membership_number(event.contract_number, member_number)
        registered_at = await conn.fetchval(
            """
            insert into contract (id, contract_number, category, product_code, holder_id, member_number,
                                  start_date, company_siren, affiliation_employee_id, group_contract_number)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            returning registered_at
            """,
            contract_id, number, event.category, product_code, holder_id, member_number, event.start_date,
            event.siren, event.employee_id, event.contract_number)
        await append(conn, ContractRegistered(
            contract_id=contract_id, contract_number=number, category=event.category, product_code=product_code,
            holder_id=holder_id, start_date=event.start_date, registered_at=registered_at,
            affiliation_employee_id=event.employee_id))
        log.info("contracts.affiliation.member_added", contract_id=str(contract_id), siren=event.siren,
                 source=event.source)

    async def _product(self, conn: asyncpg.Connection, event: EmployeeAffiliated) -> str:
        group = await conn.fetchval(
            "select product_code from contract where contract_number = $1 and company_siren = $2",
            event.contract_number, event.siren)
        code = group or self.group_products.get(event.category)
        if code is None or not await conn.fetchval(
                "select 1 from product where code = $1 and category = $2", code, event.category):
            # Nothing to retry: the message waits in the DLQ until the product exists, then is replayed.
            raise Unprocessable(f"no {event.category} group product for contract {event.contract_number}")
        return code


async def existing_account_affiliated(conn: asyncpg.Connection, envelope: Envelope,
                                      event: ExistingAccountAffiliated) -> None:
    """identity found that the employee's email is a member space of theirs (ID-13): the membership
    is held from now on by that account's person, so the space lists the group contract. identity
    tells it after this membership's ContractRegistered, so the membership exists; the person made
    for the employee goes when nothing else names it. ContractRegistered tells the new holder."""
    contract = await conn.fetchrow(
        "select id, contract_number, category, product_code, holder_id, start_date, end_date, registered_at"
        " from contract where affiliation_employee_id = $1 for update", event.affiliation_employee_id)
    if contract is None:
        raise Unprocessable("no membership for this affiliated employee")
    if contract["holder_id"] == event.person_id:
        return
    if not await conn.fetchval("select 1 from person where id = $1", event.person_id):
        raise Unprocessable("the account's person is not in the registry")
    await conn.execute("update contract set holder_id = $2 where id = $1", contract["id"], event.person_id)
    previous = contract["holder_id"]
    if previous == event.affiliation_employee_id:
        try:
            async with conn.transaction():
                await conn.execute(
                    "delete from person where id = $1 and not exists (select 1 from contract where holder_id = $1)",
                    previous)
        except asyncpg.ForeignKeyViolationError:
            log.info("contracts.affiliation.employee_person_kept")
    await append(conn, ContractRegistered(
        contract_id=contract["id"], contract_number=contract["contract_number"], category=contract["category"],
        product_code=contract["product_code"], holder_id=event.person_id, start_date=contract["start_date"],
        end_date=contract["end_date"], registered_at=contract["registered_at"],
        affiliation_employee_id=event.affiliation_employee_id))
    log.info("contracts.affiliation.existing_account_holder", contract_id=str(contract["id"]))


async def _employee_person(conn: asyncpg.Connection, event: EmployeeAffiliated) -> uuid.UUID:
    """The employee's registry person: a new one with the employee's id, or the one the registry has."""
    key = person_key(event.last_name, event.first_name)
    created = await conn.fetchval(
        """
        insert into person (id, last_name, first_name, birth_date, city, name_key)
        values ($1, $2, $3, $4, $5, $6)
        on conflict (name_key, birth_date) where owner_holder_id is null do nothing
        returning id
        """,
        event.employee_id, event.last_name, event.first_name, event.birth_date, event.address.city, key)
    if created is not None:
        return created
    log.warning("contracts.affiliation.person_already_known")
    return await conn.fetchval(
        "select id from person where name_key = $1 and birth_date = $2 and owner_holder_id is null",
        key, event.birth_date)
