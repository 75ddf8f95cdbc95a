"""The claim workflow (CL-5) and the missing formalities (CL-6): no server needed."""

from decimal import Decimal as D

import pytest

from claims.domain.claims import STATUSES, TRANSITIONS, WorkflowError, missing_formalities, move


def test_a_claim_goes_received_under_analysis_processed_paid():
    status = "received"
    for target in ("under_analysis", "processed", "paid"):
        status = move(status, target).status
    assert status == "paid"


@pytest.mark.parametrize("current, target", [("received", "paid"), ("paid", "rejected"), ("rejected", "received"),
                                             ("processed", "under_analysis"), ("received", "lost")])
def test_a_status_change_outside_the_workflow_is_refused(current, target):
    with pytest.raises(WorkflowError):
        move(current, target)


def test_a_rejection_says_why_and_what_to_do():
    with pytest.raises(WorkflowError):
        move("under_analysis", "rejected", reason="Facture illisible")
    done = move("under_analysis", "rejected", reason="Facture illisible", what_to_do="Envoyez une photo nette.")
    assert (done.status, done.reason, done.what_to_do) == ("rejected", "Facture illisible", "Envoyez une photo nette.")


def test_every_status_has_its_transitions():
    assert set(TRANSITIONS) == set(STATUSES)


def codes(**kwargs):
    base = {"social_security_line": True, "invoice": True, "quote": False, "quote_threshold": D("500")}
    care_type, billed = kwargs.pop("care_type"), kwargs.pop("billed")
    return [f.code for f in missing_formalities(care_type, billed, **{**base, **kwargs})]


def test_a_care_without_its_social_security_statement_names_it():
    assert codes(care_type="consultation_gp", billed=D("30"), social_security_line=False) == ["social_security_statement"]


def test_a_care_the_amo_never_pays_needs_no_social_security_statement():
    assert codes(care_type="alternative_medicine", billed=D("60"), social_security_line=False) == []


def test_a_large_dental_cost_without_a_quote_names_the_prior_quote_and_the_invoice():
    assert codes(care_type="dental_prosthesis", billed=D("900"), invoice=False) == ["invoice", "prior_quote"]
    assert codes(care_type="dental_prosthesis", billed=D("900"), quote=True) == []
    assert codes(care_type="dental_prosthesis", billed=D("400")) == []


def test_an_unknown_care_type_is_an_error():
    with pytest.raises(ValueError):
        missing_formalities("massage", D("1"), social_security_line=True, invoice=True, quote=True,
                            quote_threshold=D("1"))


# AS-9: a claim for an assistance case's advanced costs, and what it may not be.
from datetime import date  # noqa: E402

from claims.app.claims import ClaimForm, check_form  # noqa: E402
from claims.domain.claims import assistance_formalities  # noqa: E402
from claims.domain.errors import InvalidField  # noqa: E402

TODAY = date(2026, 6, 1)


def _form(**overrides) -> ClaimForm:
    fields = {"contract_number": "123", "care_type": None, "care_date": date(2026, 5, 2), "billed": D("80.00"),
              "assistance_case_number": "AS-2026-000012", "assistance_service": "home_help", **overrides}
    return ClaimForm(**fields)


def test_an_assistance_claim_names_its_case_and_service_and_needs_no_care_type():
    check_form(_form(), TODAY)
    assert _form().kind == "assistance" and _form(assistance_case_number=None, care_type="pharmacy",
                                                   assistance_service=None).kind == "care"


@pytest.mark.parametrize("overrides, field, words", [
    ({"care_type": "consultation_gp"}, "care_type", "demande de remboursement de soins"),
    ({"document_kind": "quote"}, "document_kind", "Nouvelle demande de prestations"),
    ({"assistance_case_number": None, "care_type": "dental_prosthesis", "assistance_service": None,
      "document_kind": "quote"}, "document_kind", "facture acquittée"),
    ({"assistance_service": None}, "assistance_service", "prestation"),
    ({"assistance_case_number": None}, "assistance_case_number", "dossier"),
    ({"assistance_case_number": None, "assistance_service": None}, "care_type", "type de soin"),
])
def test_health_costs_and_quotes_are_refused_saying_where_to_go_instead(overrides, field, words):
    with pytest.raises(InvalidField) as refused:
        check_form(_form(**overrides), TODAY)
    assert refused.value.field == field and words in str(refused.value)


def test_an_assistance_service_s_costs_need_only_the_invoice():
    assert [f.code for f in assistance_formalities(invoice=False)] == ["invoice"]
    assert assistance_formalities(invoice=True) == []
