"""Beneficiaries added or removed by the holder (CT-2), each with its event in the same transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import asyncpg

from contracts.adapters import reads, repository as repo
from contracts.domain.beneficiaries import (
    NewBeneficiary,
    beneficiary_errors,
    company_contribution_changes,
    normalise_nir,
    room_for_another,
)
from contracts.domain.contracts import in_force
from contracts.domain.errors import (
    BeneficiaryNotFound, ContractNotFound, ContractNotInForce, InvalidBeneficiary, TooManyBeneficiaries,
)
from contracts.domain.imports import Person
from contracts.domain.names import person_key
from contracts.app.scope import Scope, check_visible
from ms_events.events.contracts import BeneficiaryAdded, BeneficiaryRemoved
from ms_platform.uow import UnitOfWork


async def _writable_contract(conn: asyncpg.Connection, contract_id: uuid.UUID, scope: Scope, today: date) -> asyncpg.Record:
    # Row lock: two changes to one contract's people run one after the other.
    await conn.execute("select 1 from contract where id = $1 for update", contract_id)
    contract = check_visible(await repo.contract_by_id(conn, contract_id), scope)
    if not scope.holds(contract["holder_id"]):
        raise ContractNotFound()  # only the holder changes the people on the contract
    if not in_force(contract["start_date"], contract["end_date"], today):
        raise ContractNotInForce("Ce contrat n'est plus en cours : ses bénéficiaires ne peuvent plus être "
                                 "modifiés.")
    return contract


async def list_beneficiaries(uow: UnitOfWork, contract_id: uuid.UUID, scope: Scope) -> list[dict]:
    async with uow.connect() as conn:
        check_visible(await repo.contract_by_id(conn, contract_id), scope)
        people = await reads.people_on_contract(conn, contract_id)
    return [dict(p) for p in people if p["relationship"] != "holder"]


async def add_beneficiary(uow: UnitOfWork, contract_id: uuid.UUID, new: NewBeneficiary, scope: Scope, today: date,
                          max_beneficiaries: int) -> dict:
    """Validate, write the holder's own record of the person and the link, append BeneficiaryAdded.

    The person is never looked up by name: a member's addition is a new record of theirs, and
    the NIR they typed is written there only (ADR 0008). All or nothing.
    """
    async with uow.begin() as tx:
        contract = await _writable_contract(tx.conn, contract_id, scope, today)
        people = await reads.people_on_contract(tx.conn, contract_id)
        present = {(person_key(p["last_name"], p["first_name"]), p["birth_date"]) for p in people}
        nirs = await repo.nirs_on_contract(tx.conn, contract_id)
        errors = beneficiary_errors(new, people[0]["birth_date"], present, today, nirs)
        if errors:
            raise InvalidBeneficiary(errors)
        if not room_for_another(len(people) - 1, max_beneficiaries):
            raise TooManyBeneficiaries(max_beneficiaries)
        person_id = await repo.insert_member_person(
            tx.conn, contract["holder_id"], Person(new.last_name, new.first_name, new.birth_date), normalise_nir(new.nir))
        await tx.conn.execute(
            "insert into contract_beneficiary (contract_id, person_id, relationship) values ($1, $2, $3)",
            contract_id, person_id, new.relationship)
        formula = await tx.conn.fetchval("select contribution_formula from product where code = $1", contract["product_code"])
        before = len(people) - 1
        tx.publish(BeneficiaryAdded(
            contract_id=contract_id, holder_id=contract["holder_id"], beneficiary_id=person_id,
            relationship=new.relationship, contribution_formula=formula,
            company_contribution_changes=company_contribution_changes(formula, before, before + 1),
            added_at=datetime.now(UTC)))
    return {"id": person_id, "last_name": new.last_name, "first_name": new.first_name,
            "birth_date": new.birth_date, "relationship": new.relationship}


async def remove_beneficiary(uow: UnitOfWork, contract_id: uuid.UUID, person_id: uuid.UUID, scope: Scope, today: date) -> None:
    """Remove the link, append BeneficiaryRemoved; the holder's own record of the person goes with
    its last link (a registry person stays: the insurer's record)."""
    async with uow.begin() as tx:
        contract = await _writable_contract(tx.conn, contract_id, scope, today)
        people = await reads.people_on_contract(tx.conn, contract_id)
        relationship = await tx.conn.fetchval(
            "delete from contract_beneficiary where contract_id = $1 and person_id = $2 returning relationship",
            contract_id, person_id)
        if relationship is None:
            raise BeneficiaryNotFound()
        # Their bank account goes when no other contract of this holder still covers them.
        await tx.conn.execute(
            """
            delete from bank_account a where a.holder_id = $1 and a.person_id = $2
               and not exists (select 1 from contract_beneficiary b join contract c on c.id = b.contract_id
                                where c.holder_id = $1 and b.person_id = $2)
            """, contract["holder_id"], person_id)
        await repo.drop_unlinked_member_records(tx.conn, [contract["holder_id"]])
        formula = await tx.conn.fetchval("select contribution_formula from product where code = $1", contract["product_code"])
        before = len(people) - 1
        tx.publish(BeneficiaryRemoved(
            contract_id=contract_id, holder_id=contract["holder_id"], beneficiary_id=person_id,
            relationship=relationship, contribution_formula=formula,
            company_contribution_changes=company_contribution_changes(formula, before, before - 1),
            removed_at=datetime.now(UTC)))
