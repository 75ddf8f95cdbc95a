"""SQL of the broker space: offers and zones, projects, quotes (BR-1..BR-4)."""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from contracts.domain.offers import OffersFile

_OFFER = """
select o.product_code as code, p.name, p.category, o.client_types, o.featured, o.summary,
       o.quote_validity_days, o.tariff
  from broker_offer o join product p on p.code = o.product_code
"""


async def upsert_offers(conn: asyncpg.Connection, offers: OffersFile) -> None:
    """Replace the zones and upsert each offer (its product must be in the registry)."""
    await conn.execute("delete from broker_zone")
    await conn.executemany("insert into broker_zone (code, label, departments) values ($1, $2, $3)",
                           [(z.code, z.label, list(z.departments)) for z in offers.zones])
    await conn.executemany(
        """
        insert into broker_offer (product_code, client_types, featured, summary, quote_validity_days, tariff)
        values ($1, $2, $3, $4, $5, $6::jsonb)
        on conflict (product_code) do update
           set client_types = excluded.client_types, featured = excluded.featured, summary = excluded.summary,
               quote_validity_days = excluded.quote_validity_days, tariff = excluded.tariff, updated_at = now()
         where (broker_offer.client_types, broker_offer.featured, broker_offer.summary,
                broker_offer.quote_validity_days, broker_offer.tariff)
               is distinct from (excluded.client_types, excluded.featured, excluded.summary,
                excluded.quote_validity_days, excluded.tariff)
        """,
        [(o.product_code, list(o.client_types), o.featured, o.summary, o.quote_validity_days,
          None if o.tariff is None else o.tariff.model_dump_json()) for o in offers.offers],
    )


def _offer(row: asyncpg.Record) -> dict[str, Any]:
    offer = dict(row)
    offer["tariff"] = json.loads(offer["tariff"]) if offer["tariff"] is not None else None
    return offer


async def offers(conn: asyncpg.Connection, client_type: str | None) -> list[dict[str, Any]]:
    rows = await conn.fetch(_OFFER + " where $1::text is null or $1 = any(o.client_types) order by p.category, o.product_code",
                            client_type)
    return [_offer(r) for r in rows]


async def offer(conn: asyncpg.Connection, code: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(_OFFER + " where o.product_code = $1", code)
    return None if row is None else _offer(row)


async def zones(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch("select code, label, departments from broker_zone order by code")]


# ---- projects ------------------------------------------------------------------------------

_PROJECT = """
select id, firm_id, owner_id, client_type, client_name, client_email, client_postcode, status,
       signed_quote_id, created_at, updated_at
  from broker_project
"""


async def insert_project(conn: asyncpg.Connection, project: dict[str, Any], idempotency_key: str | None) -> asyncpg.Record:
    return await conn.fetchrow(
        """
        insert into broker_project (id, firm_id, owner_id, client_type, client_name, client_email, client_postcode,
                                    idempotency_key)
        values ($1, $2, $3, $4, $5, $6, $7, $8)
        returning id, firm_id, owner_id, client_type, client_name, client_email, client_postcode, status,
                  signed_quote_id, created_at, updated_at
        """,
        project["id"], project["firm_id"], project["owner_id"], project["client_type"], project["client_name"],
        project["client_email"], project["client_postcode"], idempotency_key,
    )


async def project_by_key(conn: asyncpg.Connection, owner_id: uuid.UUID, key: str) -> asyncpg.Record | None:
    return await conn.fetchrow(_PROJECT + " where owner_id = $1 and idempotency_key = $2", owner_id, key)


async def project(conn: asyncpg.Connection, project_id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record | None:
    return await conn.fetchrow(_PROJECT + " where id = $1" + (" for update" if lock else ""), project_id)


async def projects(conn: asyncpg.Connection, firm_id: uuid.UUID, owner_id: uuid.UUID | None, status: str | None,
                   client_type: str | None, search: str | None, limit: int) -> list[asyncpg.Record]:
    """The firm's projects (one owner's when ``owner_id``), newest change first, filtered."""
    return await conn.fetch(
        _PROJECT + """
         where firm_id = $1 and ($2::uuid is null or owner_id = $2)
           and ($3::text is null or status = $3) and ($4::text is null or client_type = $4)
           and ($5::text is null or client_name ilike '%' || $5 || '%')
         order by updated_at desc, id limit $6
        """,
        firm_id, owner_id, status, client_type, search, limit,
    )


async def move_project(conn: asyncpg.Connection, project_id: uuid.UUID, status: str,
                       signed_quote_id: uuid.UUID | None) -> asyncpg.Record:
    return await conn.fetchrow(
        """
        update broker_project set status = $2, signed_quote_id = $3, updated_at = now() where id = $1
        returning id, firm_id, owner_id, client_type, client_name, client_email, client_postcode, status,
                  signed_quote_id, created_at, updated_at
        """,
        project_id, status, signed_quote_id,
    )


async def touch_project(conn: asyncpg.Connection, project_id: uuid.UUID) -> None:
    await conn.execute("update broker_project set updated_at = now() where id = $1", project_id)


# ---- quotes --------------------------------------------------------------------------------

_QUOTE = """
select id, number, firm_id, created_by, project_id, product_code, inputs, result, monthly_eur, created_at, valid_until
  from broker_quote
"""


def _quote(row: asyncpg.Record | None) -> dict[str, Any] | None:
    if row is None:
        return None
    quote = dict(row)
    quote["inputs"], quote["result"] = json.loads(quote["inputs"]), json.loads(quote["result"])
    return quote


async def next_quote_number(conn: asyncpg.Connection, year: int) -> str:
    return f"DV-{year}-{await conn.fetchval('select nextval($1)', 'broker_quote_number'):06d}"


async def insert_quote(conn: asyncpg.Connection, quote: dict[str, Any], pdf: bytes, idempotency_key: str | None) -> None:
    await conn.execute(
        """
        insert into broker_quote (id, number, firm_id, created_by, project_id, product_code, inputs, result,
                                  monthly_eur, created_at, valid_until, pdf, idempotency_key)
        values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, $12, $13)
        """,
        quote["id"], quote["number"], quote["firm_id"], quote["created_by"], quote["project_id"],
        quote["product_code"], json.dumps(quote["inputs"]), json.dumps(quote["result"]), quote["monthly_eur"],
        quote["created_at"], quote["valid_until"], pdf, idempotency_key,
    )


async def quote_by_key(conn: asyncpg.Connection, created_by: uuid.UUID, key: str) -> dict[str, Any] | None:
    return _quote(await conn.fetchrow(_QUOTE + " where created_by = $1 and idempotency_key = $2", created_by, key))


async def quote(conn: asyncpg.Connection, quote_id: uuid.UUID) -> dict[str, Any] | None:
    return _quote(await conn.fetchrow(_QUOTE + " where id = $1", quote_id))


async def quotes_of_project(conn: asyncpg.Connection, project_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(_QUOTE + " where project_id = $1 order by created_at, id", project_id)
    return [q for q in map(_quote, rows) if q is not None]


async def quotes(conn: asyncpg.Connection, firm_id: uuid.UUID, owner_id: uuid.UUID | None,
                 limit: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(_QUOTE + " where firm_id = $1 and ($2::uuid is null or created_by = $2)"
                                     " order by created_at desc, id limit $3", firm_id, owner_id, limit)
    return [q for q in map(_quote, rows) if q is not None]


async def quote_pdf(conn: asyncpg.Connection, quote_id: uuid.UUID) -> bytes | None:
    return await conn.fetchval("select pdf from broker_quote where id = $1", quote_id)


# ---- signed contracts ----------------------------------------------------------------------

async def product_category(conn: asyncpg.Connection, code: str) -> str:
    return await conn.fetchval("select category from product where code = $1", code)


async def insert_signed_contract(conn: asyncpg.Connection, contract: Any, category: str, holder_id: uuid.UUID,
                                 firm_id: uuid.UUID, owner_id: uuid.UUID, project_id: uuid.UUID,
                                 quote_id: uuid.UUID) -> tuple[str, Any]:
    """The client's contract with the firm, the signer, the project and the quote; (member number, registered_at)."""
    row = await conn.fetchrow(
        """
        insert into contract (id, contract_number, category, product_code, holder_id, member_number, start_date,
                              broker_firm_id, broker_owner_id, broker_project_id, broker_quote_id, monthly_eur)
        values ($1, $2, $3, $4, $5, nextval('broker_member_number')::text, $6, $7, $8, $9, $10, $11)
        returning member_number, registered_at
        """,
        contract.id, contract.contract_number, category, contract.product_code, holder_id, contract.start_date,
        firm_id, owner_id, project_id, quote_id, contract.monthly_eur,
    )
    return row["member_number"], row["registered_at"]


async def contract_of_project(conn: asyncpg.Connection, project_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select id, contract_number, member_number, start_date, end_date, monthly_eur from contract"
        " where broker_project_id = $1", project_id)


# ---- dashboard -----------------------------------------------------------------------------

async def dashboard(conn: asyncpg.Connection, firm_id: uuid.UUID, owner_id: uuid.UUID | None, today: date) -> dict[str, Any]:
    """Counts over the projects, quotes and signed contracts the caller sees (BR-4)."""
    row = await conn.fetchrow(
        """
        with p as (select * from broker_project where firm_id = $1 and ($2::uuid is null or owner_id = $2)),
             signed as (select q.monthly_eur from p join broker_quote q on q.id = p.signed_quote_id where p.status = 'signed'),
             in_force as (select monthly_eur from contract
                           where broker_firm_id = $1 and ($2::uuid is null or broker_owner_id = $2)
                             and start_date <= $3 and (end_date is null or end_date >= $3))
        select (select count(distinct lower(client_name)) from p) as clients,
               (select count(*) from p where status = 'draft') as draft,
               (select count(*) from p where status = 'sent') as sent,
               (select count(*) from p where status = 'signed') as signed,
               (select count(*) from p where status = 'lost') as lost,
               (select coalesce(sum(monthly_eur), 0) from signed) as signed_monthly_eur,
               (select count(*) from broker_quote where firm_id = $1 and ($2::uuid is null or created_by = $2)
                   and valid_until >= $3) as quotes_valid,
               (select count(*) from in_force) as contracts_in_force,
               (select coalesce(sum(monthly_eur), 0) from in_force) as in_force_monthly_eur
        """,
        firm_id, owner_id, today,
    )
    return dict(row)


def as_decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))
