"""Statement lines validated one by one, masked, paged, summed, printed and charted: no server needed."""

import io
import uuid
from datetime import date
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from claims.adapters.chart import summary_chart
from claims.adapters.pdf import euros, statement_pdf
from claims.domain.statements import (
    CARE_TYPE_LABELS,     InvalidCursor, decode_cursor, encode_cursor, person_key, totals, validate_batch, validate_line,
)
from coverage_rules import CARE_TYPES

TODAY = date(2026, 6, 30)
CONTRACTS = {"123456"}


def line(**overrides):
    base = {"source": "noemie", "source_ref": "N-1", "contract_number": "123456",
            "beneficiary": {"last_name": "Martin", "first_name": "Léa", "birth_date": "1990-04-02"},
            "care_date": "2026-06-01", "care_type": "consultation_gp", "billed": "30.00", "br": "30.00",
            "amo": "19.00", "amc": "9.00", "out_of_pocket": "2.00", "payment_date": "2026-06-04",
            "paid_to_iban": "FR7630006000011234567890189"}
    return {**base, **overrides}


def fields(raw):
    found, errors = validate_line(raw, CONTRACTS, TODAY)
    assert found is None
    return {e.field for e in errors}


def test_a_valid_line_is_kept_with_the_account_masked_and_never_whole():
    found, errors = validate_line(line(), CONTRACTS, TODAY)
    assert errors == []
    assert found.paid_to == "FR76 **** **** **** **** ***0 189"
    assert (found.amo, found.amc, found.out_of_pocket) == (D("19.00"), D("9.00"), D("2.00"))


def test_care_types_are_the_coverage_rules_ones_each_with_a_french_label():
    assert set(CARE_TYPE_LABELS) == set(CARE_TYPES)
    for care_type in CARE_TYPES:
        assert validate_line(line(care_type=care_type), CONTRACTS, TODAY)[1] == []
    assert fields(line(care_type="massage")) == {"care_type"}


@pytest.mark.parametrize("overrides, field", [
    ({"care_date": "2026-07-01"}, "care_date"),
    ({"payment_date": "2026-05-01"}, "payment_date"),
    ({"contract_number": "999999"}, "contract_number"),
    ({"out_of_pocket": "3.00"}, "out_of_pocket"),
    ({"amc": "20.00", "out_of_pocket": "0.00"}, "amc"),
    ({"billed": "-1"}, "billed"),
    ({"billed": "1.234"}, "billed"),
    ({"paid_to_iban": "FR7630006000011234567890180"}, "paid_to_iban"),
    ({"source": "fax"}, "source"),
    ({"source_ref": "a b"}, "source_ref"),
    ({"beneficiary": {"last_name": "Mar\u202etin", "first_name": "Léa", "birth_date": "1990-04-02"}}, "beneficiary.last_name"),
    ({"beneficiary": {"last_name": "Martin", "first_name": "Léa", "birth_date": "2026-06-15"}}, "beneficiary.birth_date"),
    ({"extra": 1}, "extra"),
])
def test_a_bad_line_is_refused_naming_its_field(overrides, field):
    assert field in fields(line(**overrides))


def test_every_bad_line_of_a_batch_is_reported_and_a_repeated_reference_is_refused_the_second_time():
    results = validate_batch([line(), "not a line", line(care_type="x", source_ref="N-2"), line()], CONTRACTS, TODAY)
    refused = [(n, r.source_ref, {e.field for e in r.errors}) for n, _, r in results if r is not None]
    assert refused == [(2, None, {"ligne"}), (3, "N-2", {"care_type"}), (4, "N-1", {"source_ref"})]
    assert [n for n, ok, _ in results if ok is not None] == [1]


def test_a_cursor_gives_back_its_position_and_a_forged_one_is_refused():
    ident = uuid.uuid4()
    assert decode_cursor(encode_cursor(date(2026, 1, 2), ident)) == (date(2026, 1, 2), ident)
    with pytest.raises(InvalidCursor):
        decode_cursor("bm90LWEtY3Vyc29y")


def test_names_compare_without_accents_case_or_punctuation():
    assert person_key("N'Diaye", "Léa") == person_key("NDIAYE", "lea")


def test_totals_are_exact_to_the_cent():
    rows = [{"billed": D("0.10"), "amo": D("0.05"), "amc": D("0.03"), "out_of_pocket": D("0.02")}] * 3
    assert totals(rows) == {"billed": D("0.30"), "amo": D("0.15"), "amc": D("0.09"), "out_of_pocket": D("0.06")}


def _view():
    found, _ = validate_line(line(), CONTRACTS, TODAY)
    row = {"care_date": found.care_date, "care_label": "Consultation généraliste", "billed": found.billed,
           "br": found.br, "amo": found.amo, "amc": found.amc, "out_of_pocket": found.out_of_pocket,
           "payment_date": found.payment_date, "paid_to": found.paid_to,
           "beneficiary": {"first_name": "Léa", "last_name": "Martin"}}
    return {"start": date(2026, 6, 1), "end": date(2026, 6, 30), "lines": [row, row],
            "totals": totals([row, row])}


def test_the_pdf_statement_prints_each_line_and_the_totals_in_french_format():
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(statement_pdf(_view(), "Mutuelle Démo", TODAY))).pages)
    assert "Relevé de remboursements" in text and "01/06/2026" in text
    assert "19,00 €" in text and "38,00 €" in text and "4,00 €" in text
    assert "FR76 **** **** **** **** ***0 189" in text


def test_euros_groups_thousands():
    assert euros(D("1234567.5")) == "1 234 567,50 €"


def test_the_chart_is_an_svg_or_a_png_of_the_summary():
    summary = {"by": "care_type", "groups": [{"label": "Pharmacie", "amo": D("6.5"), "amc": D("3"), "out_of_pocket": D("0.5")}]}
    svg = summary_chart(summary, "svg")
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    assert b"Pharmacie" in svg and "Dépenses de santé par type de soin".encode() in svg
    assert summary_chart(summary, "png").startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<svg" in summary_chart({"by": "month", "groups": []}, "svg")
