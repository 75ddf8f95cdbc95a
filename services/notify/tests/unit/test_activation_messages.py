"""ID-13: an affiliated employee's activation, told by identity on its private topic: the link by
email when the employer gave an address, otherwise the code on a postal letter to the address the
event carries (notify holds no contact for a pre-registered account)."""

import uuid
from datetime import UTC, datetime

from ms_events.events.identity import ActivationRequested, PostalAddress

from notify.adapters.templates import TemplateRenderer
from notify.domain.messages import MessageRequest, plan
from notify.domain.model import Channel

AT = datetime(2027, 3, 2, 22, 30, tzinfo=UTC)  # 23 h 30 in Paris, still 2 March


def _event(**changes) -> ActivationRequested:
    fields = dict(account_id=uuid.uuid4(), first_name="Inès", last_name="Martin", company_name="Boulangerie Durand",
                  email="ines@example.org", activation_token="tok_en-123", activation_expires_at=AT,
                  requested_at=AT)
    return ActivationRequested(**{**fields, **changes})


def _render(request: MessageRequest):
    return TemplateRenderer().render(request.template, request.context, request.channel)


def test_an_employee_with_an_email_gets_the_activation_link_by_email_only(brand):
    [request] = plan(_event(), None, set(), brand)
    assert (request.template, request.channel, request.recipient) == (
        "account_activation", Channel.EMAIL, "ines@example.org")
    rendered = _render(request)
    assert rendered.subject == "Activez votre espace adhérent Mutuelle Exemple"
    assert rendered.text.startswith("Bonjour Inès Martin,")
    assert "Boulangerie Durand" in rendered.text
    assert "https://espace.mutuelle.example/activer-mon-compte?token=tok_en-123" in rendered.text
    assert "jusqu'au 2 mars 2027 à 23 h 30" in rendered.text
    assert "https://espace.mutuelle.example/activer-mon-compte?token=tok_en-123" in rendered.html


def test_an_employee_without_an_email_gets_a_letter_with_the_code_at_the_event_s_address(brand):
    address = PostalAddress(line1="3 place du Marché", line2="Bâtiment B", postcode="69002", city="Lyon")
    [request] = plan(_event(email=None, address=address, activation_token="K7PQ-2QXZ-9ZDA-B3CD"), None, set(), brand)
    assert (request.template, request.channel) == ("activation_letter", Channel.LETTER)
    assert request.recipient.splitlines() == ["Inès Martin", "3 place du Marché", "Bâtiment B", "69002 Lyon"]
    rendered = _render(request)
    assert rendered.text.startswith("Madame, Monsieur Martin,")
    assert "K7PQ-2QXZ-9ZDA-B3CD" in rendered.text and "2 mars 2027" in rendered.text
    assert "https://espace.mutuelle.example/activer-mon-compte" in rendered.text


def test_an_employee_with_neither_email_nor_address_is_recorded_undeliverable(brand):
    [item] = plan(_event(email=None, address=None), None, set(), brand)
    assert not isinstance(item, MessageRequest)
    assert (item.template, item.channel) == ("activation_letter", Channel.LETTER)
