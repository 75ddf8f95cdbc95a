"""The import against the real database: idempotent, republishing changes, refusing cleanly."""

from datetime import date, timedelta

import pytest

pytestmark = pytest.mark.integration


async def outbox_rows(pool, contract_number):
    return await pool.fetch(
        """
        select o.event_type, o.payload from outbox o
          join contract c on o.key = c.id::text
         where c.contract_number = $1 order by o.position
        """,
        contract_number,
    )


async def test_a_second_identical_import_changes_nothing_and_publishes_nothing(pool, run_import, free_numbers, person, line):
    (number,) = await free_numbers()
    child = {"last_name": "Martin", "first_name": "Louis", "birth_date": "2015-06-02", "relationship": "child"}
    members = [line(number, person(), beneficiaries=[child])]

    first = await run_import(members)
    updated_at = await pool.fetchval("select updated_at from contract where contract_number = $1", number)
    second = await run_import(members)

    no_schedules = {"accepted": 0, "unchanged": 0, "refused": []}
    assert first == {"accepted": 1, "unchanged": 0, "refused": [], "schedules": no_schedules}
    assert second == {"accepted": 0, "unchanged": 1, "refused": [], "schedules": no_schedules}
    rows = await outbox_rows(pool, number)
    assert [r["event_type"] for r in rows] == ["ContractRegistered"]
    assert await pool.fetchval("select updated_at from contract where contract_number = $1", number) == updated_at


async def test_a_changed_end_date_republishes_the_contract(pool, run_import, free_numbers, person, line):
    (number,) = await free_numbers()
    holder = person()
    await run_import([line(number, holder)])

    report = await run_import([line(number, holder, end_date="2026-12-31")])

    assert report["accepted"] == 1
    rows = await outbox_rows(pool, number)
    assert len(rows) == 2
    assert b'"end_date":"2026-12-31"' in rows[-1]["payload"]
    assert await pool.fetchval("select end_date from contract where contract_number = $1", number) == date(2026, 12, 31)


async def test_an_added_beneficiary_republishes_and_is_stored(pool, run_import, free_numbers, person, line):
    (number,) = await free_numbers()
    holder = person()
    await run_import([line(number, holder)])
    spouse = {"last_name": holder["last_name"], "first_name": "Thomas", "birth_date": "1982-10-04", "relationship": "spouse"}

    report = await run_import([line(number, holder, beneficiaries=[spouse])])

    assert report["accepted"] == 1
    assert len(await outbox_rows(pool, number)) == 2
    assert await pool.fetchval(
        "select count(*) from contract_beneficiary b join contract c on c.id = b.contract_id where c.contract_number = $1",
        number,
    ) == 1


async def test_refused_lines_are_reported_and_leave_nothing_written(pool, run_import, free_numbers, person, line):
    good, bad, future_child = await free_numbers(3)
    bad_holder, other_holder = person(), person()
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    members = [
        line(good, person()),
        line(bad, bad_holder, product_code="IT-PREVOYANCE", end_date="2020-01-01"),
        line(future_child, other_holder, beneficiaries=[
            {"last_name": "X", "first_name": "Y", "birth_date": tomorrow, "relationship": "child"}]),
    ]

    report = await run_import(members)

    assert report["accepted"] == 1
    assert [(r["line"], r["contract_number"]) for r in report["refused"]] == [(2, bad), (3, future_child)]
    assert {e["field"] for e in report["refused"][0]["errors"]} == {"product_code", "end_date"}
    assert all(e["message"] for r in report["refused"] for e in r["errors"])
    for number in (bad, future_child):
        assert await pool.fetchval("select count(*) from contract where contract_number = $1", number) == 0
    for holder in (bad_holder, other_holder):
        assert await pool.fetchval("select count(*) from person where last_name = $1", holder["last_name"]) == 0


async def test_the_same_person_on_two_lines_is_stored_once(pool, run_import, free_numbers, person, line):
    first, second = await free_numbers(2)
    holder = person()
    variant = dict(holder, last_name=holder["last_name"].upper(), first_name="CLAIRE")

    await run_import([line(first, holder), line(second, variant, category="prevoyance", product_code="IT-PREVOYANCE")])

    holders = await pool.fetch(
        "select distinct holder_id from contract where contract_number = any($1::text[])", [first, second]
    )
    assert len(holders) == 1
