"""The member's home page summary (CT-1, CT-5): contracts by category with their next debit,
and the latest requests and terminations. A fixed number of queries, whatever the contracts.
The latest statement lines (CL-1) are claims': asked over HTTP (ADR 0007); when claims does not
answer in time the summary still answers, with ``latest_statements`` null."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import asyncpg
import structlog

from contracts.adapters import repository as repo
from contracts.adapters import schedules as schedules_repo
from contracts.domain.contracts import CATEGORIES, in_force
from contracts.domain.schedules import next_debit
from contracts.app.scope import Scope
from ms_platform.http_client import UpstreamUnavailable
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()

# A debit planned a few days ago may not be taken yet (weekend, holidays): look back that far.
_LOOK_BACK = timedelta(days=7)

_LATEST = """
    select * from (
        select id, kind, status, contract_id, created_at, due_at, null::date as effective_date
          from contract_request where account_id = $1 or holder_id = any($2::uuid[])
         order by created_at desc limit $4
    ) r
    union all
    select * from (
        select t.id, 'termination', t.status, t.contract_id, t.created_at, null::timestamptz, t.effective_date
          from termination t join contract c on c.id = t.contract_id
         where t.holder_id = any($2::uuid[]) and c.category = any($3::text[])
         order by t.created_at desc limit $4
    ) t
    order by created_at desc limit $4
"""


def _contract(row: asyncpg.Record, debits: list, today: date) -> dict[str, Any]:
    return {
        "id": row["id"], "contract_number": row["contract_number"],
        "product": {"code": row["product_code"], "name": row["product_name"]},
        "in_force": in_force(row["start_date"], row["end_date"], today),
        "next_debit": next_debit(debits, today),
    }


async def _latest_statements(claims: Any, scope: Scope, holders: list, latest: int) -> list[dict[str, Any]] | None:
    """The holders' latest statement lines (health: santé contracts only); None when claims is away."""
    if claims is None or not holders or (scope.categories is not None and "sante" not in scope.categories):
        return []
    try:
        return await claims.latest_statements(holders, latest)
    except UpstreamUnavailable as exc:
        log.warning("contracts.home_without_statements", reason=exc.reason)
        return None


async def summary(uow: UnitOfWork, scope: Scope, today: date, latest: int, claims: Any = None) -> dict[str, Any]:
    holders = sorted(scope.holder_ids)
    categories = [c for c in CATEGORIES if scope.categories is None or c in scope.categories]
    async with uow.connect() as conn:
        rows = [r for r in await repo.contracts_of_holders(conn, holders) if scope.sees(r)] if holders else []
        debits = await schedules_repo.debits_from(conn, [r["id"] for r in rows], today - _LOOK_BACK)
        items = await conn.fetch(_LATEST, scope.account_id, holders, categories, latest)
    return {
        "categories": [
            {"category": category,
             "contracts": [_contract(r, debits[r["id"]], today) for r in rows if r["category"] == category]}
            for category in categories
        ],
        "latest_requests": [dict(i) for i in items],
        "latest_statements": await _latest_statements(claims, scope, holders, latest),
    }
