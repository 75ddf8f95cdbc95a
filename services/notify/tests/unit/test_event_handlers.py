"""Which channel and address each event's message goes to, and what the projection keeps."""

import uuid
from datetime import UTC, datetime, timedelta

from ms_events.envelope import Envelope
from ms_events.events import contracts as ct
from ms_events.events import identity as id_

from notify.adapters.templates import TemplateRenderer
from notify.app.handlers import NotifyHandlers
from notify.domain.model import Channel
from notify.entrypoints.worker import subscriptions
from notify.samples import sample_event

NOW = datetime(2025, 3, 3, 8, 5, tzinfo=UTC)


async def handle(brand, repo, event):
    envelope = Envelope.wrap(event)
    await subscriptions(NotifyHandlers(TemplateRenderer(), brand, repository=lambda _c: repo))[type(event)](
        object(), envelope, event)
    return envelope


def by_channel(repo):
    return {channel: d for (_e, channel), d in repo.deliveries.items()}


async def test_an_email_change_link_goes_to_the_new_address_only(brand, repo, full_contact):
    repo.contacts[full_contact.account_id] = full_contact
    event = sample_event(id_.EmailChangeRequested).model_copy(update={
        "account_id": full_contact.account_id, "new_email": "nouvelle@example.org", "confirmation_token": "a/b"})
    await handle(brand, repo, event)
    (delivery,) = repo.deliveries.values()
    assert delivery.recipient == "nouvelle@example.org"
    assert "confirmer-ma-nouvelle-adresse?token=a%2Fb" in delivery.content.text
    assert repo.contacts[full_contact.account_id].email == "camille.durand@example.org"


async def test_a_changed_email_tells_the_old_address_and_the_projection_takes_the_new_one(brand, repo, full_contact):
    repo.contacts[full_contact.account_id] = full_contact
    event = sample_event(id_.EmailChanged).model_copy(update={
        "account_id": full_contact.account_id, "old_email": "camille.durand@example.org",
        "email": "nouvelle@example.org"})
    await handle(brand, repo, event)
    (delivery,) = repo.deliveries.values()
    assert delivery.recipient == "camille.durand@example.org"
    assert "n***@example.org" in delivery.content.text and "nouvelle@example.org" not in delivery.content.text
    assert repo.contacts[full_contact.account_id].email == "nouvelle@example.org"


async def test_a_two_factor_code_goes_by_sms_only_to_the_number_in_the_event(brand, repo, full_contact):
    repo.contacts[full_contact.account_id] = full_contact
    event = sample_event(id_.TwoFactorCodeRequested).model_copy(update={
        "account_id": full_contact.account_id, "phone": "+33700000001", "code": "135790"})
    await handle(brand, repo, event)
    (delivery,) = repo.deliveries.values()
    assert delivery.channel is Channel.SMS and delivery.recipient == "+33700000001"
    assert delivery.content.text.startswith("135790 est votre code") and delivery.content.html is None


async def test_a_contract_event_without_an_account_is_recorded_as_failed_with_a_reason(brand, repo):
    event = sample_event(ct.TerminationConfirmed).model_copy(update={"account_id": None})
    await handle(brand, repo, event)
    assert repo.deliveries == {}
    ((delivery, reason),) = repo.failed.values()
    assert (delivery.channel, delivery.template, reason) == (Channel.EMAIL, "termination_confirmed",
                                                             "the event names no account")
    assert delivery.recipient is None


async def test_a_contract_event_for_an_account_notify_does_not_know_is_recorded_as_failed(brand, repo):
    event = sample_event(ct.BankAccountChanged).model_copy(update={"account_id": uuid.uuid4()})
    await handle(brand, repo, event)
    ((_delivery, reason),) = repo.failed.values()
    assert reason == "account unknown to notify's contact projection"


async def test_a_quote_request_from_a_prospect_goes_to_the_address_it_carries_without_the_names_they_typed(brand, repo):
    event = sample_event(ct.QuoteRequested).model_copy(update={
        "account_id": None, "email": "prospect@example.org", "first_name": "Visitez http://arnaque.example",
        "last_name": "Petit"})
    await handle(brand, repo, event)
    (delivery,) = repo.deliveries.values()
    assert delivery.recipient == "prospect@example.org" and delivery.account_id is None
    assert delivery.content.text.startswith("Bonjour,\n")
    assert f"réf. {str(event.request_id)[:8].upper()}" in delivery.content.subject
    for part in (delivery.content.subject, delivery.content.text, delivery.content.html):
        assert "arnaque" not in part and "Petit" not in part


async def test_a_members_quote_request_greets_them_by_the_names_identity_holds(brand, repo, full_contact):
    repo.contacts[full_contact.account_id] = full_contact
    event = sample_event(ct.QuoteRequested).model_copy(update={
        "account_id": full_contact.account_id, "email": None, "first_name": "Autre", "last_name": "Nom"})
    await handle(brand, repo, event)
    (delivery,) = repo.deliveries.values()
    assert delivery.recipient == full_contact.email
    assert delivery.content.text.startswith(f"Bonjour {full_contact.first_name} {full_contact.last_name},")
    assert "Autre" not in delivery.content.text


async def test_a_prospects_address_gets_a_neutral_confirmation_email_with_a_single_use_link(brand, repo):
    event = sample_event(ct.QuoteConfirmationRequested).model_copy(update={
        "email": "prospect@example.org", "confirmation_token": "tok/en+1"})
    await handle(brand, repo, event)
    (delivery,) = repo.deliveries.values()
    assert delivery.recipient == "prospect@example.org" and delivery.account_id is None
    assert delivery.template == "quote_confirmation_requested"
    assert delivery.content.subject == "Confirmez votre demande de devis – Mutuelle Exemple"
    assert delivery.content.text.startswith("Bonjour,\n")
    assert "/confirmer-ma-demande-de-devis?token=tok%2Fen%2B1" in delivery.content.text
    assert "/confirmer-ma-demande-de-devis?token=tok%2Fen%2B1" in delivery.content.html


async def test_optional_copies_go_only_on_the_channels_the_person_accepted(brand, repo, full_contact):
    repo.contacts[full_contact.account_id] = full_contact
    event = sample_event(ct.TerminationConfirmed).model_copy(update={"account_id": full_contact.account_id})
    await handle(brand, repo, event)
    assert set(by_channel(repo)) == {Channel.EMAIL}

    repo.accepted[full_contact.account_id] = {("contract", "sms"), ("contract", "letter")}
    await handle(brand, repo, event)
    sent = by_channel(repo)
    assert set(sent) == {Channel.EMAIL, Channel.SMS, Channel.LETTER}
    assert sent[Channel.SMS].recipient == "+33612345678"
    assert sent[Channel.LETTER].recipient.splitlines() == ["Camille Durand", "4 place Bellecour", "69002 Lyon"]


async def test_a_transactional_email_goes_even_when_every_optional_copy_is_refused(brand, repo, full_contact):
    repo.contacts[full_contact.account_id] = full_contact
    await handle(brand, repo, sample_event(id_.PasswordChanged).model_copy(update={"account_id": full_contact.account_id}))
    assert set(by_channel(repo)) == {Channel.EMAIL}


async def test_an_accepted_copy_without_an_address_is_recorded_as_failed(brand, repo, full_contact):
    contact = full_contact.__class__(full_contact.account_id, full_contact.email, "Camille", "Durand", None, None)
    repo.contacts[contact.account_id] = contact
    repo.accepted[contact.account_id] = {("security", "sms")}
    await handle(brand, repo, sample_event(id_.NewDeviceSignedIn).model_copy(update={"account_id": contact.account_id}))
    assert set(by_channel(repo)) == {Channel.EMAIL}
    ((_delivery, reason),) = repo.failed.values()
    assert reason == "no phone number for this account"


async def test_account_deleted_tells_the_person_then_erases_the_projection(brand, repo, full_contact):
    repo.contacts[full_contact.account_id] = full_contact
    await handle(brand, repo, sample_event(id_.AccountDeleted).model_copy(update={"account_id": full_contact.account_id}))
    (delivery,) = repo.deliveries.values()
    assert delivery.recipient == "camille.durand@example.org" and delivery.template == "account_deleted"
    assert "Bonjour Camille Durand," in delivery.content.text
    assert full_contact.account_id not in repo.contacts and repo.erased == [full_contact.account_id]


async def test_a_profile_update_keeps_the_phone_and_postal_address(brand, repo, full_contact):
    repo.contacts[full_contact.account_id] = full_contact
    event = id_.ProfileUpdated(account_id=full_contact.account_id, phone="+33799999999",
                               address=id_.PostalAddress(line1="2 rue Neuve", postcode="13001", city="Marseille"),
                               updated_at=NOW)
    await handle(brand, repo, event)
    contact = repo.contacts[full_contact.account_id]
    assert contact.phone == "+33799999999" and contact.address["city"] == "Marseille"
    assert contact.email == "camille.durand@example.org" and repo.deliveries == {}


async def test_a_password_reset_link_goes_to_the_address_in_the_event(brand, repo):
    event = sample_event(id_.PasswordResetRequested).model_copy(update={
        "email": "oubli@example.org", "reset_token": "r+t", "reset_expires_at": NOW + timedelta(hours=1)})
    await handle(brand, repo, event)
    (delivery,) = repo.deliveries.values()
    assert delivery.recipient == "oubli@example.org"
    assert "reinitialiser-mon-mot-de-passe?token=r%2Bt" in delivery.content.text
    assert "3 mars 2025 à 10 h 05" in delivery.content.text
