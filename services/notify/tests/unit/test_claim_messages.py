"""Claims' messages (CL-5): at each ClaimStatusChanged the member gets a French email naming the
claim's reference and its new status (and an SMS when they accepted SMS copies of contract
messages); nothing of the claim's health data, since the event carries none."""

import uuid
from datetime import UTC, datetime

import pytest

from ms_events.events.claims import ClaimStatusChanged

from notify.adapters.templates import TemplateRenderer
from notify.domain.messages import MessageRequest, plan, reference
from notify.domain.model import Channel
from notify.domain.sms import fits_one_sms, is_gsm7

AT = datetime(2027, 3, 2, 8, 30, tzinfo=UTC)


def _event(account_id: uuid.UUID, status: str) -> ClaimStatusChanged:
    return ClaimStatusChanged(claim_id=uuid.uuid4(), account_id=account_id, holder_id=uuid.uuid4(),
                              status=status, changed_at=AT)


def _render(request: MessageRequest):
    return TemplateRenderer().render(request.template, request.context, request.channel)


@pytest.mark.parametrize(("status", "words"), [
    ("received", "bien reçue"), ("under_analysis", "en cours d'analyse"), ("processed", "traitée"),
    ("paid", "remboursée"), ("rejected", "refusée")])
def test_each_status_is_an_email_to_the_member_naming_the_claim_and_its_status(brand, full_contact, status, words):
    event = _event(full_contact.account_id, status)
    [request] = plan(event, full_contact, set(), brand)
    assert (request.channel, request.recipient) == (Channel.EMAIL, full_contact.email)
    rendered = _render(request)
    ref = reference(event.claim_id)
    assert rendered.subject == f"Votre demande de remboursement {ref} est {words} – Mutuelle Exemple"
    assert rendered.text.startswith(f"Bonjour {full_contact.first_name} {full_contact.last_name},")
    assert ref in rendered.text and "2 mars 2027 à 9 h 30" in rendered.text
    assert "https://espace.mutuelle.example/mes-remboursements/demandes" in rendered.html


def test_a_rejection_sends_the_member_to_their_space_for_the_reason_and_what_to_do(brand, full_contact):
    [request] = plan(_event(full_contact.account_id, "rejected"), full_contact, set(), brand)
    assert "Le motif et ce que vous pouvez faire sont indiqués dans votre espace." in _render(request).text


def test_the_sms_goes_too_when_the_member_accepted_sms_for_contract_messages(brand, full_contact):
    event = _event(full_contact.account_id, "paid")
    planned = plan(event, full_contact, {("contract", "sms")}, brand)
    assert [(r.channel, r.recipient) for r in planned] == [
        (Channel.EMAIL, full_contact.email), (Channel.SMS, full_contact.phone)]
    text = _render(planned[1]).text
    assert reference(event.claim_id) in text and "remboursée" in text
    assert is_gsm7(text) and fits_one_sms(text), text


def test_without_sms_accepted_only_the_email_goes(brand, full_contact):
    planned = plan(_event(full_contact.account_id, "processed"), full_contact, {("security", "sms")}, brand)
    assert [r.channel for r in planned] == [Channel.EMAIL]
