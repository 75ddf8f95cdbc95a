"""SQL for the contracts registry (asyncpg). Callers own the transactions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from contracts.domain.imports import Person, ProductLine


@dataclass(frozen=True)
class ContractState:
    """What a contract line says; two equal states mean nothing to write."""

    category: str
    product_code: str
    holder_id: uuid.UUID
    member_number: str
    start_date: date
    end_date: date | None
    beneficiaries: frozenset[tuple[uuid.UUID, str]]
    company_siren: str | None = None


async def upsert_product(conn: asyncpg.Connection, product: ProductLine) -> None:
    """Insert or update a product and replace its guarantees; rows already equal are not touched."""
    await conn.execute(
        """
        insert into product (code, name, category, contribution_formula) values ($1, $2, $3, $4)
        on conflict (code) do update
           set name = excluded.name, category = excluded.category,
               contribution_formula = excluded.contribution_formula, updated_at = now()
         where (product.name, product.category, product.contribution_formula)
               is distinct from (excluded.name, excluded.category, excluded.contribution_formula)
        """,
        product.code, product.name, product.category, product.contribution_formula,
    )
    codes = [g.code for g in product.guarantees]
    await conn.execute(
        "delete from guarantee where product_code = $1 and not (code = any($2::text[]))",
        product.code, codes,
    )
    await conn.executemany(
        """
        insert into guarantee (product_code, code, label, care_type, rule_type, rate_pct, amount_eur, period)
        values ($1, $2, $3, $4, $5, $6, $7, $8)
        on conflict (product_code, code) do update
           set label = excluded.label, care_type = excluded.care_type, rule_type = excluded.rule_type,
               rate_pct = excluded.rate_pct, amount_eur = excluded.amount_eur, period = excluded.period
         where (guarantee.label, guarantee.care_type, guarantee.rule_type, guarantee.rate_pct,
                guarantee.amount_eur, guarantee.period)
               is distinct from (excluded.label, excluded.care_type, excluded.rule_type,
                excluded.rate_pct, excluded.amount_eur, excluded.period)
        """,
        [
            (product.code, g.code, g.label, g.care_type, g.rule_type, g.rate_pct, g.amount_eur, g.period)
            for g in product.guarantees
        ],
    )


async def product_categories(conn: asyncpg.Connection) -> dict[str, str]:
    rows = await conn.fetch("select code, category from product")
    return {r["code"]: r["category"] for r in rows}


async def lock_contract_number(conn: asyncpg.Connection, contract_number: str) -> None:
    """Serialise concurrent imports of one contract until the transaction ends."""
    await conn.execute("select pg_advisory_xact_lock(hashtext('contract:' || $1))", contract_number)


async def ensure_person(conn: asyncpg.Connection, person: Person) -> tuple[uuid.UUID, bool]:
    """The registry person's id (created if new) and whether anything was written.

    Only the insurer's imports call this: it matches registry rows by name and birth date and
    never a record a member added online (ADR 0008).
    """
    row = await conn.fetchrow(
        "select id, city from person where name_key = $1 and birth_date = $2 and owner_holder_id is null",
        person.key, person.birth_date,
    )
    if row is None:
        # A concurrent import may insert the same person first: then read theirs.
        person_id = await conn.fetchval(
            """
            insert into person (id, last_name, first_name, birth_date, city, name_key)
            values ($1, $2, $3, $4, $5, $6)
            on conflict (name_key, birth_date) where owner_holder_id is null do update set name_key = excluded.name_key
            returning id
            """,
            uuid.uuid4(), person.last_name, person.first_name, person.birth_date, person.city, person.key,
        )
        return person_id, True
    if person.city is not None and person.city != row["city"]:
        await conn.execute("update person set city = $2, updated_at = now() where id = $1", row["id"], person.city)
        return row["id"], True
    return row["id"], False


async def insert_member_person(
    conn: asyncpg.Connection, owner_holder_id: uuid.UUID, person: Person, nir: str
) -> uuid.UUID:
    """A beneficiary the holder added online: a new record of theirs, never matched to another row."""
    return await conn.fetchval(
        """
        insert into person (id, last_name, first_name, birth_date, name_key, nir, owner_holder_id)
        values ($1, $2, $3, $4, $5, $6, $7) returning id
        """,
        uuid.uuid4(), person.last_name, person.first_name, person.birth_date, person.key, nir, owner_holder_id,
    )


async def drop_unlinked_member_records(conn: asyncpg.Connection, holder_ids: list[uuid.UUID]) -> int:
    """Delete the holders' own records that no contract names any more (and their bank accounts)."""
    await conn.execute(
        """
        delete from bank_account a using person p
         where a.person_id = p.id and p.owner_holder_id = any($1::uuid[])
           and not exists (select 1 from contract_beneficiary b where b.person_id = p.id)
        """, holder_ids)
    result = await conn.execute(
        """
        delete from person p where p.owner_holder_id = any($1::uuid[])
           and not exists (select 1 from contract_beneficiary b where b.person_id = p.id)
        """, holder_ids)
    return int(result.split()[-1])


async def nirs_on_contract(conn: asyncpg.Connection, contract_id: uuid.UUID) -> set[str]:
    """The NIRs known for the holder and the beneficiaries of a contract."""
    rows = await conn.fetch(
        """
        select p.nir from contract c join person p on p.id = c.holder_id where c.id = $1 and p.nir is not null
        union
        select p.nir from contract_beneficiary b join person p on p.id = b.person_id
         where b.contract_id = $1 and p.nir is not null
        """, contract_id)
    return {r["nir"] for r in rows}


async def contract_state(conn: asyncpg.Connection, contract_number: str) -> tuple[uuid.UUID, datetime, ContractState] | None:
    row = await conn.fetchrow(
        """
        select id, category, product_code, holder_id, member_number, start_date, end_date, registered_at,
               company_siren
          from contract where contract_number = $1
        """,
        contract_number,
    )
    if row is None:
        return None
    beneficiaries = await conn.fetch(
        "select person_id, relationship from contract_beneficiary where contract_id = $1", row["id"]
    )
    state = ContractState(
        category=row["category"],
        product_code=row["product_code"],
        holder_id=row["holder_id"],
        member_number=row["member_number"],
        start_date=row["start_date"],
        end_date=row["end_date"],
        beneficiaries=frozenset((b["person_id"], b["relationship"]) for b in beneficiaries),
        company_siren=row["company_siren"],
    )
    return row["id"], row["registered_at"], state


async def insert_contract(
    conn: asyncpg.Connection, contract_id: uuid.UUID, contract_number: str, state: ContractState
) -> datetime:
    return await conn.fetchval(
        """
        insert into contract (id, contract_number, category, product_code, holder_id, member_number,
                              start_date, end_date, company_siren)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        returning registered_at
        """,
        contract_id, contract_number, state.category, state.product_code, state.holder_id,
        state.member_number, state.start_date, state.end_date, state.company_siren,
    )


async def update_contract(conn: asyncpg.Connection, contract_id: uuid.UUID, state: ContractState) -> None:
    await conn.execute(
        """
        update contract
           set category = $2, product_code = $3, holder_id = $4, member_number = $5,
               start_date = $6, end_date = $7, company_siren = $8, updated_at = now()
         where id = $1
        """,
        contract_id, state.category, state.product_code, state.holder_id, state.member_number,
        state.start_date, state.end_date, state.company_siren,
    )


async def replace_beneficiaries(
    conn: asyncpg.Connection, contract_id: uuid.UUID, beneficiaries: frozenset[tuple[uuid.UUID, str]]
) -> None:
    await conn.execute("delete from contract_beneficiary where contract_id = $1", contract_id)
    await conn.executemany(
        "insert into contract_beneficiary (contract_id, person_id, relationship) values ($1, $2, $3)",
        [(contract_id, person_id, relationship) for person_id, relationship in beneficiaries],
    )


_CONTRACT_COLUMNS = """
    c.id, c.contract_number, c.category, c.member_number, c.start_date, c.end_date,
    c.holder_id, c.product_code, p.name as product_name, c.company_siren
"""


async def contract_with_holder(conn: asyncpg.Connection, contract_number: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """
        select c.id, c.contract_number, c.category, c.member_number, c.holder_id, c.product_code,
               c.start_date, c.end_date, h.last_name, h.first_name, h.birth_date
          from contract c join person h on h.id = c.holder_id
         where c.contract_number = $1
        """,
        contract_number,
    )


async def holder_contracts(
    conn: asyncpg.Connection, holder_id: uuid.UUID, category: str | None = None
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""
        select {_CONTRACT_COLUMNS}
          from contract c join product p on p.code = c.product_code
         where c.holder_id = $1 and ($2::text is null or c.category = $2)
         order by c.category, c.start_date, c.contract_number
        """,
        holder_id, category,
    )


async def contracts_of_holders(
    conn: asyncpg.Connection, holder_ids: list[uuid.UUID], category: str | None = None
) -> list[asyncpg.Record]:
    """The contracts of several holders (a member and the accounts they linked, ID-12)."""
    return await conn.fetch(
        f"""
        select {_CONTRACT_COLUMNS}
          from contract c join product p on p.code = c.product_code
         where c.holder_id = any($1::uuid[]) and ($2::text is null or c.category = $2)
         order by c.category, c.start_date, c.contract_number
        """,
        holder_ids, category,
    )


async def listings(conn: asyncpg.Connection, holder_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Each holder's contracts with product name and beneficiaries, in one query (for the list cache)."""
    rows = await conn.fetch(
        f"""
        select {_CONTRACT_COLUMNS}, bp.first_name as b_first_name, bp.last_name as b_last_name,
               bp.birth_date as b_birth_date, b.relationship as b_relationship
          from contract c join product p on p.code = c.product_code
          left join contract_beneficiary b on b.contract_id = c.id
          left join person bp on bp.id = b.person_id
         where c.holder_id = any($1::uuid[])
         order by c.category, c.start_date, c.contract_number, bp.birth_date, bp.first_name
        """,
        holder_ids,
    )
    contracts: dict[uuid.UUID, dict[str, Any]] = {}
    for r in rows:
        contract = contracts.get(r["id"])
        if contract is None:
            contract = contracts[r["id"]] = {k: r[k] for k in _LISTING_KEYS} | {"beneficiaries": []}
        if r["b_relationship"] is not None:
            contract["beneficiaries"].append({"first_name": r["b_first_name"], "last_name": r["b_last_name"],
                                              "birth_date": r["b_birth_date"], "relationship": r["b_relationship"]})
    result: dict[uuid.UUID, list[dict[str, Any]]] = {h: [] for h in holder_ids}
    for contract in contracts.values():
        result[contract["holder_id"]].append(contract)
    return result


_LISTING_KEYS = ("id", "contract_number", "category", "member_number", "start_date", "end_date",
                 "holder_id", "product_code", "product_name", "company_siren")


async def company_contracts(conn: asyncpg.Connection, company_siren: str) -> list[asyncpg.Record]:
    """An employer's group contracts (one row per contract; beneficiaries are not the employer's)."""
    return await conn.fetch(
        f"""
        select {_CONTRACT_COLUMNS}
          from contract c join product p on p.code = c.product_code
         where c.company_siren = $1
         order by c.category, c.start_date, c.contract_number
        """,
        company_siren,
    )


async def contract_by_id(conn: asyncpg.Connection, contract_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"select {_CONTRACT_COLUMNS} from contract c join product p on p.code = c.product_code where c.id = $1",
        contract_id,
    )


async def beneficiaries_of(conn: asyncpg.Connection, contract_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    rows = await conn.fetch(
        """
        select b.contract_id, p.first_name, p.last_name, p.birth_date, b.relationship
          from contract_beneficiary b join person p on p.id = b.person_id
         where b.contract_id = any($1::uuid[])
         order by b.contract_id, p.birth_date, p.first_name
        """,
        contract_ids,
    )
    result: dict[uuid.UUID, list[dict[str, Any]]] = {cid: [] for cid in contract_ids}
    for r in rows:
        result[r["contract_id"]].append(
            {k: r[k] for k in ("first_name", "last_name", "birth_date", "relationship")}
        )
    return result


async def guarantees_of(conn: asyncpg.Connection, product_code: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        """
        select code, label, care_type, rule_type, rate_pct, amount_eur, period
          from guarantee where product_code = $1 order by code
        """,
        product_code,
    )
