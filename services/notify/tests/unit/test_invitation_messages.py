"""Issue 15 / ID-14: an employer or broker user's invitation, told by identity on its private topic:
one email to the professional address with the single-use link."""

import uuid
from datetime import UTC, datetime

from ms_events.events.identity import InvitationRequested

from notify.adapters.templates import TemplateRenderer
from notify.domain.messages import MessageRequest, plan
from notify.domain.model import Channel

AT = datetime(2027, 3, 2, 22, 30, tzinfo=UTC)  # 23 h 30 in Paris, still 2 March


def _event(**changes) -> InvitationRequested:
    fields = dict(account_id=uuid.uuid4(), kind="broker", role="admin", email="lea@cabinet.example",
                  first_name="Léa", last_name="Courtier", organisation_name="Cabinet Durand",
                  invitation_token="tok_en-456", invitation_expires_at=AT, requested_at=AT)
    return InvitationRequested(**{**fields, **changes})


def _render(request: MessageRequest):
    return TemplateRenderer().render(request.template, request.context, request.channel)


def test_a_broker_admin_gets_the_invitation_link_by_email_only(brand):
    [request] = plan(_event(), None, set(), brand)
    assert (request.template, request.channel, request.recipient) == (
        "professional_invitation", Channel.EMAIL, "lea@cabinet.example")
    rendered = _render(request)
    assert rendered.subject == "Votre invitation à l'espace courtier Mutuelle Exemple"
    assert rendered.text.startswith("Bonjour Léa Courtier,")
    assert "Cabinet Durand, en tant qu'administrateur" in rendered.text
    assert "https://espace.mutuelle.example/accepter-mon-invitation?token=tok_en-456" in rendered.text
    assert "jusqu'au 2 mars 2027 à 23 h 30" in rendered.text
    assert "https://espace.mutuelle.example/accepter-mon-invitation?token=tok_en-456" in rendered.html


def test_an_employer_user_is_invited_to_the_company_space_without_the_admin_mention(brand):
    [request] = plan(_event(kind="employer", role="user", organisation_name="SIREN 732829320"), None, set(), brand)
    rendered = _render(request)
    assert rendered.subject == "Votre invitation à l'espace entreprise Mutuelle Exemple"
    assert "SIREN 732829320." in rendered.text
    assert "administrateur" not in rendered.text
