"""The demo files (deploy/local/demo) are valid import data with a 2026 schedule per in-force contract."""

import json
from datetime import date
from pathlib import Path

from contracts.domain.imports import ImportRules, ProductLine, validate_batch

DEMO = Path(__file__).resolve().parents[4] / "deploy" / "local" / "demo"
TODAY = date(2026, 11, 23)  # the demo's "today" (deploy/local/demo/README.md)


def _lines():
    products = [ProductLine.model_validate(p) for p in json.loads((DEMO / "products.json").read_text())]
    members = json.loads((DEMO / "members.json").read_text())
    rules = ImportRules(r"^\d{6}$", r"^\d{7}$")
    return members, validate_batch(members, {p.code: p.category for p in products}, rules, TODAY)


def test_every_demo_line_is_accepted_with_its_schedules():
    _, results = _lines()
    assert [refused for _, _, refused in results if refused is not None] == []


def test_in_force_demo_contracts_are_debited_monthly_on_the_5th_in_2026():
    members, results = _lines()
    for raw, (_, line, _) in zip(members, results):
        if not raw["in_force"]:
            assert line.schedules == (), raw["contract_number"]
            continue
        [schedule] = line.schedules
        start = max(line.start_date, date(2026, 1, 1))
        expected = [date(2026, m, 5) for m in range(1, 13) if date(2026, m, 5) >= start]
        assert schedule.year == 2026 and [d for d, _ in schedule.debits] == expected, raw["contract_number"]
        assert len({amount for _, amount in schedule.debits}) == 1


def test_a_family_pays_more_than_a_single_holder_on_the_same_product():
    members, results = _lines()
    amounts = {}
    for raw, (_, line, _) in zip(members, results):
        if line.schedules and line.product_code == "SANTE-CONFORT":
            amounts[len(raw["beneficiaries"])] = line.schedules[0].debits[0][1]
    assert amounts[0] < amounts[1] < amounts[2]
