"""The coverage simulator (CT-8): the member's guarantee, and others side by side.

Care types and amounts are health data: nothing here is stored or logged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import asyncpg

from contracts.adapters import reads, repository as repo
from contracts.domain.contracts import age_on, in_force
from coverage_rules import Guarantee, Scenario, simulate
from contracts.domain.errors import ContractNotFound, NoHealthContract, UnknownPatient, UnknownProduct
from contracts.app.scope import Scope
from ms_platform.uow import UnitOfWork


@dataclass(frozen=True)
class SimulationRequest:
    contract_id: uuid.UUID | None
    patient_id: uuid.UUID | None
    compare_product_codes: list[str] | None
    scenario: Scenario


def _guarantee(product: dict[str, Any], care_type: str) -> Guarantee | None:
    for g in product["guarantees"]:
        if g["care_type"] == care_type:
            return Guarantee(g["code"], g["care_type"], g["rule_type"], g["rate_pct"], g["amount_eur"], g["period"])
    return None


def _result(product: dict[str, Any], scenario: Scenario, current: bool) -> dict[str, Any]:
    guarantee = _guarantee(product, scenario.care_type)
    coverage = simulate(scenario, guarantee)
    return {
        "product": {"code": product["code"], "name": product["name"]},
        "current": current,
        "guarantee": None if guarantee is None else {
            "code": guarantee.code, "rule_type": guarantee.rule_type,
            "rate_pct": guarantee.rate_pct, "amount_eur": guarantee.amount_eur, "period": guarantee.period,
        },
        "amo_eur": coverage.amo,
        "amc_eur": coverage.amc,
        "out_of_pocket_eur": coverage.out_of_pocket,
        "participation_forfaitaire_eur": coverage.participation_forfaitaire,
        "rules": [{"code": r.code, "label": r.label} for r in coverage.rules],
    }


async def _contract(conn: asyncpg.Connection, request: SimulationRequest, scope: Scope, today: date) -> asyncpg.Record:
    if request.contract_id is not None:
        row = await repo.contract_by_id(conn, request.contract_id)
        if row is None or not scope.sees(row) or row["category"] != "sante":
            raise ContractNotFound()
        return row
    for row in await repo.contracts_of_holders(conn, sorted(scope.holder_ids), "sante"):
        if scope.sees(row) and in_force(row["start_date"], row["end_date"], today):
            return row
    raise NoHealthContract("Aucun contrat santé en cours : précisez le contrat.", field="contract_id")


async def _patient_age(conn: asyncpg.Connection, contract_id: uuid.UUID, patient_id: uuid.UUID | None, today: date) -> int:
    people = await reads.people_on_contract(conn, contract_id)
    chosen = people[0] if patient_id is None else next((p for p in people if p["id"] == patient_id), None)
    if chosen is None:
        raise UnknownPatient("Cette personne n'est pas couverte par ce contrat.", field="patient_id")
    return age_on(chosen["birth_date"], today)


async def simulate_coverage(uow: UnitOfWork, request: SimulationRequest, scope: Scope, today: date) -> dict[str, Any]:
    """The scenario under the contract's guarantee, then under each compared product."""
    async with uow.connect() as conn:
        contract = await _contract(conn, request, scope, today)
        age = await _patient_age(conn, contract["id"], request.patient_id, today)
        others = request.compare_product_codes
        if others is None:
            others = [c for c in await reads.product_codes_in_category(conn, "sante") if c != contract["product_code"]]
        products = await reads.products_with_guarantees(conn, [contract["product_code"], *others])
    for i, code in enumerate(others):
        if code not in products or products[code]["category"] != "sante":
            raise UnknownProduct(f"Produit santé inconnu : {code}.", field=f"compare_product_codes.{i}")
    scenario = replace(request.scenario, patient_age=age)
    results = [_result(products[contract["product_code"]], scenario, True)]
    results += [_result(products[c], scenario, False) for c in others if c != contract["product_code"]]
    return {
        "contract_id": contract["id"],
        "contract_number": contract["contract_number"],
        "care_type": scenario.care_type,
        "billed_eur": scenario.billed,
        "br_eur": scenario.br,
        "results": results,
    }

