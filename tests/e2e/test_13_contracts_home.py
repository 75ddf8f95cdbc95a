"""A member's home page through the gateway: summary with the next debit, and the schedule (CT-1, CT-5)."""

import pytest

from e2e_support import sign_up_and_confirm, unique_email

pytestmark = pytest.mark.e2e

YEAR = 2026


async def test_the_home_page_shows_the_contract_its_next_debit_and_its_schedule(gateway, registry, mailbox, operator_token):
    (line,) = await registry.register(1)
    debits = [{"date": f"{YEAR}-{m:02d}-05", "amount_eur": "38.90"} for m in range(1, 13)]
    debits += [{"date": f"{YEAR + 1}-01-01", "amount_eur": "39.60"}]
    imported = await gateway.post("/v1/contract-imports", headers={"Authorization": f"Bearer {operator_token}"}, json={
        "schedules": [{"contract_number": line["contract_number"], "year": YEAR, "debits": debits[:12]},
                      {"contract_number": line["contract_number"], "year": YEAR + 1, "debits": debits[12:]}]})
    assert imported.status_code == 200 and imported.json()["schedules"]["accepted"] == 2, imported.text
    headers = {"Authorization": f"Bearer {await sign_up_and_confirm(gateway, mailbox, line, unique_email('home'))}"}

    summary = await gateway.get("/v1/contracts/summary", headers=headers)
    assert summary.status_code == 200, summary.text
    sante = next(c for c in summary.json()["categories"] if c["category"] == "sante")
    [contract] = sante["contracts"]
    assert contract["contract_number"] == line["contract_number"] and contract["in_force"] is True
    assert contract["next_debit"] is not None and contract["next_debit"]["debit_date"] >= contract["next_debit"]["due_date"]

    schedule = await gateway.get(f"/v1/contracts/{contract['id']}/schedule?year={YEAR}", headers=headers)
    assert schedule.status_code == 200
    body = schedule.json()
    assert body["total_eur"] == "466.80" and len(body["debits"]) == 12
    # Sunday 5 April then Easter Monday: Tuesday 7; Sunday 5 July: Monday 6; Saturdays 5 September
    # and 5 December: Monday 7.
    moved = {d["due_date"]: d["debit_date"] for d in body["debits"] if d["due_date"] != d["debit_date"]}
    assert moved == {f"{YEAR}-04-05": f"{YEAR}-04-07", f"{YEAR}-07-05": f"{YEAR}-07-06",
                     f"{YEAR}-09-05": f"{YEAR}-09-07", f"{YEAR}-12-05": f"{YEAR}-12-07"}
    next_year = await gateway.get(f"/v1/contracts/{contract['id']}/schedule?year={YEAR + 1}", headers=headers)
    assert next_year.json()["debits"] == [{"due_date": f"{YEAR + 1}-01-01", "debit_date": f"{YEAR + 1}-01-04",
                                           "amount_eur": "39.60"}]
