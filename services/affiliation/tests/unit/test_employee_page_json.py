"""The employee list's JSON (AF-4) is written from repository rows without building models: it
must say exactly what the documented EmployeePage says."""

import uuid
from datetime import UTC, date, datetime

from affiliation.entrypoints.http.schemas import (EMPLOYEE_PAGE_JSON, AddressOut, EmployeeOut, EmployeePage,
                                                  _AddressBody, _EmployeeBody, _EmployeePageBody)


def _row() -> dict:
    """A row as repository.employees_page returns it (with columns the answer does not show)."""
    return {"id": uuid.uuid4(), "siren": "732829320", "group_contract_id": uuid.uuid4(), "contract_number": "GS-1",
            "contract_label": "Santé collective", "request_id": uuid.uuid4(), "source": "offline",
            "first_name": "Camille", "last_name": "Durand", "birth_date": date(1990, 4, 12),
            "nir": "190047505612345", "email": None,
            "address": {"line1": "12 rue des Lilas", "line2": None, "postcode": "75013", "city": "Paris"},
            "options": ["optique-renforcee"], "start_date": date(2027, 1, 1),
            "affiliated_at": datetime(2026, 12, 7, 10, 30, tzinfo=UTC)}


def test_the_json_bodies_have_the_documented_models_fields():
    assert set(_EmployeePageBody.__annotations__) == set(EmployeePage.model_fields)
    assert set(_EmployeeBody.__annotations__) == set(EmployeeOut.model_fields)
    assert set(_AddressBody.__annotations__) == set(AddressOut.model_fields)


def test_a_page_written_from_rows_reads_back_as_the_documented_page_and_nothing_more():
    row = _row()
    body = EMPLOYEE_PAGE_JSON.dump_json({"items": [row], "next_cursor": "abc"})
    page = EmployeePage.model_validate_json(body)
    assert page.next_cursor == "abc"
    [item] = page.items
    assert item.id == row["id"] and item.birth_date == row["birth_date"] and item.address.city == "Paris"
    assert item.affiliated_at == row["affiliated_at"] and item.options == ["optique-renforcee"]
    assert b"siren" not in body and b"request_id" not in body
    assert body == EmployeePage(items=[EmployeeOut(**row)], next_cursor="abc").model_dump_json().encode()


def test_only_pages_without_a_search_and_of_at_most_100_rows_are_kept():
    from affiliation.adapters.pages_cache import page_key

    contract = uuid.uuid4()
    assert page_key("732829320", None, contract, "offline", "abc", 50) == ("732829320", contract, "offline", "abc", 50)
    assert page_key("732829320", None, None, None, None, 100) == ("732829320", None, None, None, 100)
    assert page_key("732829320", "dur", None, None, None, 50) is None
    assert page_key("732829320", None, None, None, None, 101) is None
