"""Employer-space messages: the employee's French invitation email with its single-use link (AF-2)
and the employer's notice of a beneficiary added on a group santé contract (AF-5), each to the
address the event carries."""

import uuid
from datetime import UTC, datetime

from ms_events.events.affiliation import EmployeeInvitationEmailRequested, EmployerBeneficiaryNotice

from notify.adapters.templates import TemplateRenderer
from notify.domain.messages import MessageRequest, plan
from notify.domain.model import Channel

AT = datetime(2027, 3, 2, 8, 30, tzinfo=UTC)


def _render(request: MessageRequest):
    return TemplateRenderer().render(request.template, request.context, request.channel)


def test_the_invited_employee_gets_a_french_email_with_the_link_and_its_expiry(brand):
    event = EmployeeInvitationEmailRequested(
        invitation_id=uuid.uuid4(), siren="732829320", company_name="Boulangerie Durand", email="ines@example.org",
        first_name="Inès", last_name="Martin", invitation_token="tok_en-123", expires_at=AT)
    [request] = plan(event, None, set(), brand)
    assert (request.channel, request.recipient) == (Channel.EMAIL, "ines@example.org")
    rendered = _render(request)
    assert rendered.subject.startswith("Boulangerie Durand vous invite à vous affilier")
    assert rendered.text.startswith("Bonjour Inès Martin,")
    assert "https://espace.mutuelle.example/mon-affiliation?token=tok_en-123" in rendered.text
    assert "jusqu'au 2 mars 2027 à 9 h 30" in rendered.text
    assert "https://espace.mutuelle.example/mon-affiliation?token=tok_en-123" in rendered.html


def _notice(formula: str, changes: bool) -> EmployerBeneficiaryNotice:
    return EmployerBeneficiaryNotice(siren="732829320", company_name="Boulangerie Durand",
                                     notice_email="rh@boulangerie.example", contract_number="GS-42",
                                     relationship="child", contribution_formula=formula,
                                     company_contribution_changes=changes, added_at=AT)


def test_the_employer_notice_goes_to_the_companys_address_and_names_the_supplementary_formula(brand):
    [request] = plan(_notice("supplementary_company_contribution", False), None, set(), brand)
    assert (request.channel, request.recipient) == (Channel.EMAIL, "rh@boulangerie.example")
    text = _render(request).text
    assert "a ajouté un enfant comme bénéficiaire sur le contrat santé collectif GS-42, le 2 mars 2027" in text
    assert "cotisation supplémentaire entreprise" in text


def test_the_family_formula_notice_says_the_companys_contribution_changes(brand):
    [request] = plan(_notice("family", True), None, set(), brand)
    rendered = _render(request)
    assert "modifie le montant de la cotisation de l'entreprise" in rendered.text
    assert rendered.subject == "Ajout d'un bénéficiaire sur le contrat santé GS-42 – Mutuelle Exemple"
