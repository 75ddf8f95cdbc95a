"""Linked accounts (ID-12): a member acts on the contracts of the holders in linked_person_ids."""

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
async def two_holders(pool, run_import, free_numbers, person, line):
    """A santé holder and, under another person row, a prévoyance holder the member linked."""
    own, linked = await free_numbers(2)
    schedule = {"year": 2026, "debits": [{"date": "2026-12-05", "amount_eur": "24.50"}]}
    await run_import([line(own, person()),
                      line(linked, person(), category="prevoyance", product_code="IT-PREVOYANCE", schedules=[schedule])])
    rows = await pool.fetch("select contract_number, id, holder_id from contract where contract_number = any($1::text[])",
                            [own, linked])
    by_number = {r["contract_number"]: r for r in rows}
    return by_number[own], by_number[linked]


async def test_a_member_sees_a_linked_holder_s_contract(client, token, two_holders):
    own, linked = two_holders
    headers = token("member", person_id=own["holder_id"], linked=(linked["holder_id"],))
    listed = (await client.get("/v1/contracts", headers=headers)).json()
    assert {c["contract_number"] for c in listed} == {own["contract_number"], linked["contract_number"]}
    assert (await client.get(f"/v1/contracts/{linked['id']}", headers=headers)).status_code == 200
    schedule = await client.get(f"/v1/contracts/{linked['id']}/schedule?year=2026", headers=headers)
    assert schedule.status_code == 200 and schedule.json()["total_eur"] == "24.50"
    summary = (await client.get("/v1/contracts/summary", headers=headers)).json()
    prevoyance = next(c for c in summary["categories"] if c["category"] == "prevoyance")
    assert [c["contract_number"] for c in prevoyance["contracts"]] == [linked["contract_number"]]


async def test_without_the_claim_a_linked_holder_s_contract_is_404(client, token, two_holders):
    own, linked = two_holders
    headers = token("member", person_id=own["holder_id"])
    listed = (await client.get("/v1/contracts", headers=headers)).json()
    assert [c["contract_number"] for c in listed] == [own["contract_number"]]
    for path in (f"/v1/contracts/{linked['id']}", f"/v1/contracts/{linked['id']}/schedule",
                 f"/v1/contracts/{linked['id']}/termination", f"/v1/contracts/{linked['id']}/beneficiaries"):
        assert (await client.get(path, headers=headers)).status_code == 404, path
    refused = await client.post("/v1/terminations", headers=headers,
                                json={"contract_id": str(linked["id"]), "reason": "other"})
    assert refused.status_code == 404


async def test_a_member_acts_on_a_linked_holder_s_contract(client, token, two_holders, pool):
    own, linked = two_holders
    headers = token("member", person_id=own["holder_id"], linked=(linked["holder_id"],))
    created = await client.post("/v1/terminations", headers=headers,
                                json={"contract_id": str(linked["id"]), "reason": "other"})
    assert created.status_code == 201, created.text
    listed = (await client.get("/v1/terminations", headers=headers)).json()
    assert [t["id"] for t in listed] == [created.json()["id"]]
    accounts = (await client.get("/v1/bank-accounts", headers=headers)).json()
    assert {a["person_id"] for a in accounts} == {str(own["holder_id"]), str(linked["holder_id"])}


async def test_the_categories_claim_still_applies_to_linked_holders(client, token, two_holders):
    own, linked = two_holders
    headers = token("member", person_id=own["holder_id"], linked=(linked["holder_id"],), categories=("sante",))
    assert (await client.get(f"/v1/contracts/{linked['id']}", headers=headers)).status_code == 404
    listed = (await client.get("/v1/contracts", headers=headers)).json()
    assert [c["contract_number"] for c in listed] == [own["contract_number"]]
