"""SQL for claims; every function takes the connection of the caller's unit of work."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import asyncpg

from claims.domain.statements import StatementLine, person_key

LINE_COLUMNS = """l.id, l.source, l.contract_number, l.care_date, l.care_type, l.billed, l.br, l.amo, l.amc,
       l.out_of_pocket, l.payment_date, l.paid_to, l.beneficiary_id, b.last_name, b.first_name"""


async def upsert_contract(conn: asyncpg.Connection, contract_number: str, contract_id: uuid.UUID,
                          holder_id: uuid.UUID, category: str) -> None:
    await conn.execute(
        """insert into contract_projection (contract_number, contract_id, holder_id, category)
           values ($1, $2, $3, $4)
           on conflict (contract_number) do update set contract_id = excluded.contract_id,
               holder_id = excluded.holder_id, category = excluded.category, updated_at = now()""",
        contract_number, contract_id, holder_id, category)


async def known_contracts(conn: asyncpg.Connection, numbers: list[str]) -> dict[str, uuid.UUID]:
    """Contract number → holder id, for the numbers the registry knows."""
    rows = await conn.fetch("select contract_number, holder_id from contract_projection where contract_number = any($1)",
                            numbers)
    return {r["contract_number"]: r["holder_id"] for r in rows}


async def ensure_beneficiary(conn: asyncpg.Connection, contract_number: str, last_name: str, first_name: str,
                             birth_date: date) -> uuid.UUID:
    key = person_key(last_name, first_name)
    found = await conn.fetchval(
        """insert into beneficiary (id, contract_number, last_name, first_name, birth_date, person_key)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (contract_number, person_key, birth_date) do nothing returning id""",
        uuid.uuid4(), contract_number, last_name, first_name, birth_date, key)
    if found is not None:
        return found
    return await conn.fetchval(
        "select id from beneficiary where contract_number = $1 and person_key = $2 and birth_date = $3",
        contract_number, key, birth_date)


async def record_line(conn: asyncpg.Connection, line: StatementLine, holder_id: uuid.UUID,
                      beneficiary_id: uuid.UUID) -> tuple[uuid.UUID, bool]:
    """Insert the line, or update it when the source sends a correction; (id, whether anything changed)."""
    row = await conn.fetchrow(
        """insert into statement_line (id, source, source_ref, contract_number, holder_id, beneficiary_id, care_date,
               care_type, billed, br, amo, amc, out_of_pocket, payment_date, paid_to)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
           on conflict (source, source_ref) do update set contract_number = excluded.contract_number,
               holder_id = excluded.holder_id, beneficiary_id = excluded.beneficiary_id,
               care_date = excluded.care_date, care_type = excluded.care_type, billed = excluded.billed,
               br = excluded.br, amo = excluded.amo, amc = excluded.amc, out_of_pocket = excluded.out_of_pocket,
               payment_date = excluded.payment_date, paid_to = excluded.paid_to, updated_at = now()
           where (statement_line.contract_number, statement_line.holder_id, statement_line.beneficiary_id,
                  statement_line.care_date, statement_line.care_type, statement_line.billed, statement_line.br,
                  statement_line.amo, statement_line.amc, statement_line.out_of_pocket,
                  statement_line.payment_date, statement_line.paid_to)
                 is distinct from
                 (excluded.contract_number, excluded.holder_id, excluded.beneficiary_id, excluded.care_date,
                  excluded.care_type, excluded.billed, excluded.br, excluded.amo, excluded.amc,
                  excluded.out_of_pocket, excluded.payment_date, excluded.paid_to)
           returning id""",
        uuid.uuid4(), line.source, line.source_ref, line.contract_number, holder_id, beneficiary_id, line.care_date,
        line.care_type, line.billed, line.br, line.amo, line.amc, line.out_of_pocket, line.payment_date, line.paid_to)
    if row is not None:
        return row["id"], True
    existing = await conn.fetchval("select id from statement_line where source = $1 and source_ref = $2",
                                   line.source, line.source_ref)
    return existing, False


def _filters(holder_ids: list[uuid.UUID], start: date | None, end: date | None, care_type: str | None,
             beneficiary_id: uuid.UUID | None) -> tuple[list[str], list[Any]]:
    where, args = ["l.holder_id = any($1)"], [holder_ids]
    for clause, value in (("l.care_date >= ${}", start), ("l.care_date <= ${}", end),
                          ("l.care_type = ${}", care_type), ("l.beneficiary_id = ${}", beneficiary_id)):
        if value is not None:
            args.append(value)
            where.append(clause.format(len(args)))
    return where, args


# One listed line as JSON, built by PostgreSQL in the shape of the listing's response model
# (StatementLineOut: amounts as text with their cents, dates ISO, the care type's label), so the
# API neither decodes the line's columns nor builds and validates a model per line. $1/$2 of the
# label lookup are appended by ``lines_page_json``: the care types and their labels, same order.
_LINE_JSON = """l.care_date, l.id, row_to_json(v)::text as json
            from ({page}) l
            cross join lateral (
                select l.id, l.source, l.contract_number, l.care_date, l.care_type,
                       coalesce((${labels}::text[])[array_position(${types}::text[], l.care_type)], l.care_type)
                           as care_label,
                       (select x from (select l.beneficiary_id as id, l.first_name, l.last_name) x) as beneficiary,
                       l.billed::text as billed, l.br::text as br, l.amo::text as amo, l.amc::text as amc,
                       l.out_of_pocket::text as out_of_pocket, l.payment_date, l.paid_to) v
            order by l.care_date desc, l.id desc"""


async def lines_page(conn: asyncpg.Connection, holder_ids: list[uuid.UUID], *, start: date | None, end: date | None,
                     care_type: str | None, beneficiary_id: uuid.UUID | None,
                     after: tuple[date, uuid.UUID] | None, limit: int) -> list[dict[str, Any]]:
    """Newest care first; ``after`` is the (care_date, id) of the previous page's last line (keyset)."""
    sql, args = _page_query(holder_ids, start, end, care_type, beneficiary_id, after, limit)
    return [dict(r) for r in await conn.fetch(sql, *args)]


async def lines_page_json(conn: asyncpg.Connection, holder_ids: list[uuid.UUID], labels: dict[str, str], *,
                          start: date | None, end: date | None, care_type: str | None,
                          beneficiary_id: uuid.UUID | None, after: tuple[date, uuid.UUID] | None,
                          limit: int) -> list[asyncpg.Record]:
    """The same page as ``lines_page``, each line as its JSON text (``json``) with its ``care_date`` and ``id``."""
    sql, args = _page_query(holder_ids, start, end, care_type, beneficiary_id, after, limit)
    args += [list(labels), list(labels.values())]
    return await conn.fetch("select " + _LINE_JSON.format(page=sql, types=len(args) - 1, labels=len(args)), *args)


def _page_query(holder_ids: list[uuid.UUID], start: date | None, end: date | None, care_type: str | None,
                beneficiary_id: uuid.UUID | None, after: tuple[date, uuid.UUID] | None,
                limit: int) -> tuple[str, list[Any]]:
    where, args = _filters(holder_ids, start, end, care_type, beneficiary_id)
    # One index range per holder (statement_line_holder, already in page order) instead of
    # "holder_id = any(...)", which PostgreSQL 15 sorts: a page reads ``limit`` rows per holder,
    # however many lines the member or the table has.
    where[0] = "l.holder_id = h.holder_id"
    if after is not None:
        args += [after[0], after[1]]
        where.append(f"(l.care_date, l.id) < (${len(args) - 1}, ${len(args)})")
    args.append(limit)
    return (f"""select {LINE_COLUMNS} from unnest($1::uuid[]) h (holder_id)
            cross join lateral (select * from statement_line l where {' and '.join(where)}
                                order by l.care_date desc, l.id desc limit ${len(args)}) l
            join beneficiary b on b.id = l.beneficiary_id
            order by l.care_date desc, l.id desc limit ${len(args)}""", args)


async def all_lines(conn: asyncpg.Connection, holder_ids: list[uuid.UUID], *, start: date | None, end: date | None,
                    care_type: str | None, beneficiary_id: uuid.UUID | None) -> list[dict[str, Any]]:
    """Every line of the period, oldest care first (the PDF statement)."""
    where, args = _filters(holder_ids, start, end, care_type, beneficiary_id)
    rows = await conn.fetch(
        f"""select {LINE_COLUMNS} from statement_line l join beneficiary b on b.id = l.beneficiary_id
            where {' and '.join(where)} order by l.care_date, l.id""", *args)
    return [dict(r) for r in rows]


async def summary(conn: asyncpg.Connection, holder_ids: list[uuid.UUID], *, start: date | None, end: date | None,
                  care_type: str | None, beneficiary_id: uuid.UUID | None, by: str) -> list[dict[str, Any]]:
    """Sums per month, care type or beneficiary (the database adds; numeric keeps the cents exact)."""
    where, args = _filters(holder_ids, start, end, care_type, beneficiary_id)
    key = {"month": "to_char(l.care_date, 'YYYY-MM')", "care_type": "l.care_type",
           "beneficiary": "l.beneficiary_id::text"}[by]
    label = {"month": key, "care_type": key, "beneficiary": "min(b.first_name || ' ' || b.last_name)"}[by]
    rows = await conn.fetch(
        f"""select {key} as key, {label} as label, count(*) as lines, sum(l.billed) as billed, sum(l.amo) as amo,
                   sum(l.amc) as amc, sum(l.out_of_pocket) as out_of_pocket
            from statement_line l join beneficiary b on b.id = l.beneficiary_id
            where {' and '.join(where)} group by {key} order by {key}""", *args)
    return [dict(r) for r in rows]
