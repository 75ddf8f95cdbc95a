"""The home page summary (CT-1, CT-5): contracts by category, next debit, latest requests."""

from datetime import date, timedelta

import pytest

from contracts.domain.schedules import next_business_day

pytestmark = pytest.mark.integration


@pytest.fixture
async def household(app, pool, run_import, free_numbers, person, line):
    """A holder with an in-force santé contract scheduled for next year, a lapsed one, a prévoyance one."""
    sante, lapsed, prevoyance = await free_numbers(3)
    holder = person()
    year = app.state.clock().year + 1
    schedule = {"year": year, "debits": [{"date": f"{year}-01-01", "amount_eur": "61.30"},
                                         {"date": f"{year}-02-05", "amount_eur": "61.30"}]}
    yesterday = (app.state.clock() - timedelta(days=1)).isoformat()
    report = await run_import([
        line(sante, holder, schedules=[schedule]),
        line(lapsed, holder, start_date="2020-01-01", end_date=yesterday),
        line(prevoyance, holder, category="prevoyance", product_code="IT-PREVOYANCE"),
    ])
    assert report["accepted"] == 3, report
    holder_id = await pool.fetchval("select holder_id from contract where contract_number = $1", sante)
    return {"sante": sante, "lapsed": lapsed, "prevoyance": prevoyance, "holder_id": holder_id, "year": year}


async def test_the_summary_lists_contracts_by_category_with_the_next_debit(client, token, household):
    headers = token("member", person_id=household["holder_id"])
    response = await client.get("/v1/contracts/summary", headers=headers)
    assert response.status_code == 200, response.text
    categories = {c["category"]: c["contracts"] for c in response.json()["categories"]}
    assert list(categories) == ["sante", "prevoyance", "retraite"] and categories["retraite"] == []
    sante = {c["contract_number"]: c for c in categories["sante"]}
    assert sante[household["lapsed"]]["in_force"] is False and sante[household["lapsed"]]["next_debit"] is None
    year = household["year"]
    # 1 January is a public holiday: the debit is taken on the next business day.
    assert sante[household["sante"]]["next_debit"] == {
        "due_date": f"{year}-01-01", "debit_date": next_business_day(date(year, 1, 1)).isoformat(),
        "amount_eur": "61.30"}
    assert [c["contract_number"] for c in categories["prevoyance"]] == [household["prevoyance"]]


async def test_the_summary_shows_the_latest_requests_and_terminations_newest_first(client, token, household, pool):
    headers = token("member", person_id=household["holder_id"])
    contracts = (await client.get("/v1/contracts", headers=headers)).json()
    sante_id = next(c["id"] for c in contracts if c["contract_number"] == household["sante"])
    prevoyance_id = next(c["id"] for c in contracts if c["contract_number"] == household["prevoyance"])
    change = await client.post("/v1/contract-requests", headers=headers,
                               json={"kind": "guarantee_change", "contract_id": sante_id})
    termination = await client.post("/v1/terminations", headers=headers,
                                    json={"contract_id": prevoyance_id, "reason": "other"})
    assert change.status_code == 201 and termination.status_code == 201
    latest = (await client.get("/v1/contracts/summary", headers=headers)).json()["latest_requests"]
    assert [(i["kind"], i["id"]) for i in latest[:2]] == [("termination", termination.json()["id"]),
                                                          ("guarantee_change", change.json()["id"])]
    assert latest[0]["status"] == "draft" and latest[1]["status"] == "received" and latest[1]["due_at"]


async def test_the_summary_keeps_to_the_categories_of_the_account(client, token, household):
    headers = token("member", person_id=household["holder_id"], categories=("prevoyance",))
    body = (await client.get("/v1/contracts/summary", headers=headers)).json()
    assert [c["category"] for c in body["categories"]] == ["prevoyance"]


async def test_the_summary_is_for_members(client, token):
    assert (await client.get("/v1/contracts/summary")).status_code == 401
    assert (await client.get("/v1/contracts/summary", headers=token("operator"))).status_code == 403
    empty = await client.get("/v1/contracts/summary", headers=token("member"))
    assert empty.status_code == 200 and all(c["contracts"] == [] for c in empty.json()["categories"])
