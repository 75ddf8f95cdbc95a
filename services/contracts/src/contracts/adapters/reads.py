"""Read queries for the member features (coverage, documents, card, schedules)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg


async def products_with_guarantees(conn: asyncpg.Connection, codes: list[str]) -> dict[str, dict[str, Any]]:
    """Each product (code, name, category) with its guarantees, for the codes asked."""
    products = await conn.fetch(
        "select code, name, category, contribution_formula from product where code = any($1::text[])", codes
    )
    guarantees = await conn.fetch(
        """
        select product_code, code, label, care_type, rule_type, rate_pct, amount_eur, period
          from guarantee where product_code = any($1::text[]) order by product_code, code
        """,
        codes,
    )
    result = {p["code"]: {**dict(p), "guarantees": []} for p in products}
    for g in guarantees:
        result[g["product_code"]]["guarantees"].append(dict(g))
    return result


async def product_codes_in_category(conn: asyncpg.Connection, category: str) -> list[str]:
    rows = await conn.fetch("select code from product where category = $1 order by code", category)
    return [r["code"] for r in rows]


async def people_on_contract(conn: asyncpg.Connection, contract_id: uuid.UUID) -> list[asyncpg.Record]:
    """The holder first, then the beneficiaries: id, names, birth date, relationship."""
    return await conn.fetch(
        """
        select p.id, p.last_name, p.first_name, p.birth_date, 'holder' as relationship, 0 as rank
          from contract c join person p on p.id = c.holder_id where c.id = $1
        union all
        select p.id, p.last_name, p.first_name, p.birth_date, b.relationship, 1 as rank
          from contract_beneficiary b join person p on p.id = b.person_id where b.contract_id = $1
        order by rank, birth_date, first_name
        """,
        contract_id,
    )
