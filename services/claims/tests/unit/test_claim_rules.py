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
