"""What claims needs to compute a processed claim's amounts with the coverage rules (issue 14,
ADR 0012): the contract's guarantee for the care and the holder the care is recorded for. Claims
computes the amounts itself with ``coverage_rules``; contracts only gives its data."""

from __future__ import annotations

from typing import Any

from contracts.adapters import repository as repo
from ms_platform.uow import UnitOfWork


async def claim_terms(uow: UnitOfWork, contract_number: str, care_type: str) -> dict[str, Any] | None:
    """None when no contract has that number."""
    async with uow.connect() as conn:
        contract = await conn.fetchrow(
            """select c.contract_number, c.product_code, p.last_name, p.first_name, p.birth_date
                 from contract c join person p on p.id = c.holder_id where c.contract_number = $1""",
            contract_number)
        if contract is None:
            return None
        guarantees = await repo.guarantees_of(conn, contract["product_code"])
    guarantee = next((dict(g) for g in guarantees if g["care_type"] == care_type), None)
    return {"contract_number": contract["contract_number"], "product_code": contract["product_code"],
            "holder": {"last_name": contract["last_name"], "first_name": contract["first_name"],
                       "birth_date": contract["birth_date"]},
            "guarantee": guarantee}
