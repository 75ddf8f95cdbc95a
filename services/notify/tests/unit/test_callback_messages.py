"""Callback messages (CB-2): the French confirmation email when there is an email, its changes,
a missed call, and the SMS reminder to the number the person gave."""

import uuid
from datetime import UTC, datetime

from ms_events.events.callback import (
    CallbackCancelled, CallbackMissed, CallbackReminderDue, CallbackRescheduled, CallbackScheduled,
)

from notify.adapters.templates import TemplateRenderer
from notify.domain.messages import MessageRequest, Undeliverable, plan
from notify.domain.model import Channel
from notify.domain.sms import fits_one_sms

START = datetime(2027, 3, 2, 8, 30, tzinfo=UTC)  # 9 h 30 in Paris
END = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)


def _render(request: MessageRequest):
    return TemplateRenderer().render(request.template, request.context, request.channel)


def test_a_member_gets_the_french_confirmation_email_with_day_slot_and_reason(brand, full_contact):
    event = CallbackScheduled(callback_id=uuid.uuid4(), account_id=full_contact.account_id, reason="case_follow_up",
                              slot_start=START, slot_end=END, case_number="AS-42", scheduled_at=START)
    [request] = plan(event, full_contact, set(), brand)
    assert (request.channel, request.recipient) == (Channel.EMAIL, "camille.durand@example.org")
    rendered = _render(request)
    assert rendered.subject == "Votre demande de rappel est confirmée – Mutuelle Exemple"
    assert "le mardi 2 mars 2027, entre 9 h 30 et 10 h 00" in rendered.text
    assert "Suivi d'un dossier en cours (dossier AS-42)" in rendered.text
    assert rendered.text.startswith("Bonjour Camille Durand,")
    assert "https://espace.mutuelle.example/mes-demandes/rappels" in rendered.html


def test_a_person_without_an_account_gets_no_email_and_the_reason_is_recorded(brand):
    event = CallbackScheduled(callback_id=uuid.uuid4(), account_id=None, reason="contract_question",
                              slot_start=START, slot_end=END, scheduled_at=START)
    [item] = plan(event, None, set(), brand)
    assert isinstance(item, Undeliverable) and item.channel is Channel.EMAIL


def test_the_reminder_is_one_sms_to_the_number_given_even_without_an_account(brand):
    event = CallbackReminderDue(callback_id=uuid.uuid4(), account_id=None, phone="+33781234567",
                                slot_start=START, slot_end=END, due_at=START)
    [request] = plan(event, None, set(), brand)
    assert (request.channel, request.recipient) == (Channel.SMS, "+33781234567")
    text = _render(request).text
    assert "aujourd'hui entre 9 h 30 et 10 h 00" in text and fits_one_sms(text)


def test_moves_cancellations_and_missed_calls_are_told_by_email(brand, full_contact):
    account = full_contact.account_id
    events = [
        CallbackRescheduled(callback_id=uuid.uuid4(), account_id=account, reason="contract_question",
                            previous_slot_start=START, slot_start=START, slot_end=END, rescheduled_at=START),
        CallbackCancelled(callback_id=uuid.uuid4(), account_id=account, slot_start=START, cancelled_by="agent",
                          cancelled_at=START),
        CallbackMissed(callback_id=uuid.uuid4(), account_id=account, slot_start=START, missed_at=START),
    ]
    subjects = [_render(request).subject for event in events for request in plan(event, full_contact, set(), brand)]
    assert subjects == ["Votre rappel a été déplacé – Mutuelle Exemple", "Votre rappel a été annulé – Mutuelle Exemple",
                        "Nous n'avons pas pu vous joindre – Mutuelle Exemple"]


def test_a_complaint_is_acknowledged_and_answered_by_email_and_the_answer_names_the_mediator(brand, full_contact):
    from ms_events.events.callback import ComplaintAnswered, ComplaintReceived

    request_id = uuid.uuid4()
    received = ComplaintReceived(request_id=request_id, account_id=full_contact.account_id, category="disputed_debit",
                                 acknowledge_by=datetime(2027, 5, 21, 21, 59, tzinfo=UTC),
                                 answer_by=datetime(2027, 7, 5, 13, 0, tzinfo=UTC), received_at=START)
    [request] = plan(received, full_contact, set(), brand)
    text = _render(request).text
    assert "réclamation concernant un prélèvement contesté" in text
    assert "au plus tard le 21 mai 2027" in text and "au plus tard le 5 juillet 2027" in text
    answered = ComplaintAnswered(request_id=request_id, account_id=full_contact.account_id, answered_at=START)
    [request] = plan(answered, full_contact, set(), brand)
    rendered = _render(request)
    assert rendered.subject.startswith("Réponse à votre réclamation") and "Médiation de l'Assurance" in rendered.text
