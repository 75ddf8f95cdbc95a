from datetime import UTC, datetime

import pytest
from jinja2 import UndefinedError

from notify.adapters.templates import TemplateRenderer
from notify.domain.messages import account_created_email, confirmation_link, french_datetime

ENCODED_TOKEN = "tok%2Ben%2Fwith%3Dspecial%26chars"


def test_the_confirmation_email_greets_the_person_and_carries_the_encoded_link(sign_up_confirmation, brand):
    request = account_created_email(sign_up_confirmation, brand)
    rendered = TemplateRenderer().render(request.template, request.context)

    link = f"https://espace.mutuelle.example/confirmer-mon-compte?token={ENCODED_TOKEN}"
    assert rendered.subject == "Confirmez votre adresse e-mail – Votre espace adhérent"
    assert rendered.text.startswith("Bonjour Camille Durand,")
    assert link in rendered.text
    assert "1er mars 2025 à 0 h 30" in rendered.text
    assert "01 23 45 67 89" in rendered.text and "Mutuelle Exemple" in rendered.text
    assert "ignorez ce message" in rendered.text
    assert f'href="{link}"' in rendered.html
    assert "Bonjour Camille Durand," in rendered.html
    assert request.recipient == "camille.durand@example.org"


def test_the_html_part_escapes_names_and_the_text_part_does_not(sign_up_confirmation, brand):
    event = sign_up_confirmation.model_copy(update={"first_name": "<b>Zoé</b> & Cie"})
    request = account_created_email(event, brand)
    rendered = TemplateRenderer().render(request.template, request.context)
    assert "&lt;b&gt;Zoé&lt;/b&gt; &amp; Cie" in rendered.html
    assert "<b>Zoé</b>" not in rendered.html
    assert "Bonjour <b>Zoé</b> & Cie Durand," in rendered.text


def test_rendering_fails_when_a_variable_is_missing(sign_up_confirmation, brand):
    context = dict(account_created_email(sign_up_confirmation, brand).context)
    del context["confirmation_url"]
    with pytest.raises(UndefinedError):
        TemplateRenderer().render("account_created", context)


def test_a_subject_never_spans_several_header_lines(sign_up_confirmation, brand):
    context = dict(account_created_email(sign_up_confirmation, brand).context, space_name="a\r\nBcc: x@y")
    subject = TemplateRenderer().render("account_created", context).subject
    assert "\n" not in subject and "\r" not in subject


def test_other_account_kinds_get_their_own_space_name(sign_up_confirmation, brand):
    employer = sign_up_confirmation.model_copy(update={"kind": "employer"})
    assert account_created_email(employer, brand).context["space_name"] == "Votre espace entreprise"


def test_dates_are_written_in_french_in_paris_time():
    assert french_datetime(datetime(2025, 7, 14, 8, 5, tzinfo=UTC)) == "14 juillet 2025 à 10 h 05"
    assert french_datetime(datetime(2025, 12, 1, 11, 0, tzinfo=UTC)) == "1er décembre 2025 à 12 h 00"
    assert french_datetime(datetime(2025, 8, 3, 10, 0)) == "3 août 2025 à 12 h 00"


def test_the_confirmation_link_encodes_the_token_and_tolerates_a_trailing_slash():
    assert confirmation_link("https://x.example/", "a b") == "https://x.example/confirmer-mon-compte?token=a%20b"


def test_a_requested_new_link_says_so_and_carries_the_new_token(sign_up_confirmation, brand):
    from datetime import UTC, datetime

    from ms_events.events.identity import ConfirmationEmailRequested

    resend = ConfirmationEmailRequested(
        **sign_up_confirmation.model_dump(include={"account_id", "kind", "email", "first_name", "last_name",
                                                   "confirmation_expires_at"}),
        reason="resend", confirmation_token="tok-new/+=", requested_at=datetime.now(UTC),
    )
    request = account_created_email(resend, brand)
    rendered = TemplateRenderer().render(request.template, request.context)
    assert rendered.subject.startswith("Nouveau lien de confirmation")
    assert "Vous avez demandé un nouveau lien" in rendered.text and "vient d'être créé" not in rendered.text
    assert "token=tok-new%2F%2B%3D" in rendered.text
