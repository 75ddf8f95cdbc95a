"""The employee list's cells and page cursors (AF-4), without I/O."""

import uuid
from datetime import date

import pytest

from affiliation.app.employees import COLUMNS, _cells, _safe, decode_cursor, encode_cursor
from affiliation.domain.errors import InvalidField


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"x\")", "+33", "-1", "@SUM(A1)", "\tx"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_quoted(cell):
    assert _safe(cell) == "'" + cell


def test_an_ordinary_cell_is_unchanged():
    assert _safe("Durand") == "Durand"


def test_an_employee_row_is_written_in_french_with_dates_options_and_the_affiliation_mode():
    row = {"last_name": "Durand", "first_name": "Camille", "birth_date": date(1990, 4, 12), "nir": "190047505612345",
           "email": None, "contract_number": "GS-1", "contract_label": "Santé", "options": ["a", "b"],
           "start_date": date(2027, 1, 1), "source": "offline"}
    assert _cells(row) == ["Durand", "Camille", "12/04/1990", "190047505612345", "", "GS-1", "Santé", "a, b",
                           "01/01/2027", "Hors ligne"]
    assert len(COLUMNS) == len(_cells(row))


def test_a_cursor_round_trips_and_a_forged_one_is_refused_naming_the_field():
    ident = uuid.uuid4()
    assert decode_cursor(encode_cursor({"last_name": "Durand", "first_name": "Camille", "id": ident})) == (
        "Durand", "Camille", ident)
    with pytest.raises(InvalidField) as refused:
        decode_cursor("pas-un-curseur")
    assert refused.value.field == "cursor"


def test_a_cursor_carrying_a_nul_or_a_control_character_is_refused():
    with pytest.raises(InvalidField):
        decode_cursor(encode_cursor({"last_name": "Du\x00rand", "first_name": "Camille", "id": uuid.uuid4()}))
