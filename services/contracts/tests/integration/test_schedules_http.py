"""Contribution schedules (CT-5): imported with the contract lines or on their own, read by the member."""

import pytest

pytestmark = pytest.mark.integration


def monthly(year: int, amount: str = "42.50", day: int = 5) -> dict:
    return {"year": year, "debits": [{"date": f"{year}-{m:02d}-{day:02d}", "amount_eur": amount} for m in range(1, 13)]}


async def holder_id(pool, number):
    return await pool.fetchval("select holder_id from contract where contract_number = $1", number)


async def contract_id(pool, number):
    return await pool.fetchval("select id from contract where contract_number = $1", number)


async def stored(pool, number):
    return await pool.fetch(
        """select s.due_date, s.amount_eur from contribution_schedule s join contract c on c.id = s.contract_id
            where c.contract_number = $1 order by s.due_date""", number)


async def test_a_schedule_imported_with_its_contract_is_stored_once(pool, run_import, free_numbers, person, line):
    (number,) = await free_numbers()
    members = [line(number, person(), schedules=[monthly(2026)])]
    first = await run_import(members)
    second = await run_import(members)
    assert (first["accepted"], second["unchanged"], second["accepted"]) == (1, 1, 0)
    rows = await stored(pool, number)
    assert len(rows) == 12 and {str(r["amount_eur"]) for r in rows} == {"42.50"}


async def test_a_changed_schedule_replaces_that_year_only(pool, run_import, free_numbers, person, line):
    (number,) = await free_numbers()
    first = line(number, person(), schedules=[monthly(2025, "40.00"), monthly(2026, "42.50")])
    await run_import([first])
    report = await run_import([{**first, "schedules": [monthly(2026, "44.10")]}])
    assert report["accepted"] == 1
    amounts = {(r["due_date"].year, str(r["amount_eur"])) for r in await stored(pool, number)}
    assert amounts == {(2025, "40.00"), (2026, "44.10")}
    # Only the schedule changed: the contract is not republished.
    events = await pool.fetch("select event_type from outbox where key = $1", str(await contract_id(pool, number)))
    assert [e["event_type"] for e in events] == ["ContractRegistered"]


async def test_a_line_with_a_bad_schedule_is_refused_whole_with_the_field_named(pool, run_import, free_numbers, person, line):
    (number,) = await free_numbers()
    bad = {"year": 2026, "debits": [{"date": "2026-01-05", "amount_eur": "12,50"}, {"date": "2027-02-05", "amount_eur": "1"}]}
    report = await run_import([line(number, person(), schedules=[bad])])
    assert report["accepted"] == 0
    [refused] = report["refused"]
    assert [e["field"] for e in refused["errors"]] == ["schedules.0.debits.0.amount_eur", "schedules.0.debits.1.date"]
    assert await contract_id(pool, number) is None


async def test_top_level_schedule_lines_are_validated_one_by_one(client, token, pool, run_import, free_numbers, person, line, products):
    known, unknown = await free_numbers(2)
    await run_import([line(known, person(), start_date="2026-03-01")])
    body = {"products": products, "schedules": [
        {"contract_number": known, **monthly(2026, "30.00", day=1)} | {"debits": [
            {"date": f"2026-{m:02d}-01", "amount_eur": "30.00"} for m in range(3, 13)]},
        {"contract_number": unknown, **monthly(2026)},
        {"contract_number": known, **monthly(2026)},  # the same year again
        {"contract_number": known, "year": 2025, "debits": [{"date": "2025-12-05", "amount_eur": "1"}]},
    ]}
    response = await client.post("/v1/contract-imports", json=body, headers=token("operator"))
    assert response.status_code == 200, response.text
    report = response.json()["schedules"]
    assert (report["accepted"], report["unchanged"]) == (1, 0)
    assert [(r["line"], r["contract_number"], r["errors"][0]["field"]) for r in report["refused"]] == [
        (2, unknown, "contract_number"), (3, known, "year"), (4, known, "debits.0.date")]
    again = await client.post("/v1/contract-imports", json={"schedules": body["schedules"][:1]}, headers=token("operator"))
    assert again.json()["schedules"] == {"accepted": 0, "unchanged": 1, "refused": []}
    assert len(await stored(pool, known)) == 10


async def test_the_member_reads_the_schedule_with_debits_moved_off_holidays(client, token, pool, run_import, free_numbers, person, line):
    (number,) = await free_numbers()
    debits = [{"date": d, "amount_eur": "50.00"} for d in ("2026-05-01", "2026-08-15", "2026-11-01", "2026-12-25", "2026-06-05")]
    await run_import([line(number, person(), schedules=[{"year": 2026, "debits": debits}, monthly(2025)])])
    headers = token("member", person_id=await holder_id(pool, number))
    response = await client.get(f"/v1/contracts/{await contract_id(pool, number)}/schedule?year=2026", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["year"] == 2026 and body["total_eur"] == "250.00" and body["contract_number"] == number
    assert [(d["due_date"], d["debit_date"]) for d in body["debits"]] == [
        ("2026-05-01", "2026-05-04"), ("2026-06-05", "2026-06-05"), ("2026-08-15", "2026-08-17"),
        ("2026-11-01", "2026-11-02"), ("2026-12-25", "2026-12-28")]
    other_year = await client.get(f"/v1/contracts/{await contract_id(pool, number)}/schedule?year=2025", headers=headers)
    assert len(other_year.json()["debits"]) == 12


async def test_someone_else_s_schedule_is_404_and_the_year_is_checked(app, client, token, pool, run_import, free_numbers, person, line):
    mine, theirs = await free_numbers(2)
    await run_import([line(mine, person(), schedules=[monthly(2026)]), line(theirs, person(), schedules=[monthly(2026)])])
    headers = token("member", person_id=await holder_id(pool, mine))
    other = await client.get(f"/v1/contracts/{await contract_id(pool, theirs)}/schedule?year=2026", headers=headers)
    assert other.status_code == 404 and other.headers["content-type"] == "application/problem+json"
    bad_year = await client.get(f"/v1/contracts/{await contract_id(pool, mine)}/schedule?year=20260", headers=headers)
    assert bad_year.status_code == 422 and bad_year.json()["field"] == "year"
    this_year = await client.get(f"/v1/contracts/{await contract_id(pool, mine)}/schedule", headers=headers)
    assert this_year.json()["year"] == app.state.clock().year


async def test_importing_the_demo_files_again_changes_nothing(app, pool):
    """The demo seed (with its schedules) is idempotent: a second run leaves every line unchanged."""
    import json
    from pathlib import Path

    from contracts.app.handlers import import_reference_data
    from contracts.domain.imports import ProductLine
    from ms_events.outbox import unit_of_work

    demo = Path(__file__).resolve().parents[4] / "deploy" / "local" / "demo"
    products = [ProductLine.model_validate(p) for p in json.loads((demo / "products.json").read_text())]
    members = json.loads((demo / "members.json").read_text())
    rules, today = app.state.import_rules, app.state.clock()
    await import_reference_data(unit_of_work(pool), products, members, rules, today)
    again = await import_reference_data(unit_of_work(pool), products, members, rules, today)
    assert (again.accepted, again.unchanged, again.refused) == (0, len(members), [])
    assert await pool.fetchval(
        "select count(*) from contribution_schedule s join contract c on c.id = s.contract_id"
        " where c.contract_number = '104233' and s.due_date between '2026-01-01' and '2026-12-31'") == 12
