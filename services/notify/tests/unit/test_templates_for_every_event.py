"""Every event that tells a person something has a template that renders on each of its channels."""

from datetime import date
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from ms_events.catalogue import CATALOGUE

from notify.adapters.templates import TEMPLATES_DIR, TemplateRenderer
from notify.domain.messages import COMPOSERS, MessageRequest, activation_letter, plan
from notify.domain.model import Channel
from notify.domain.policy import TEMPLATES, optional_choices

from notify.samples import sample_event as sample_model

TELLING = sorted((cls for cls in CATALOGUE.values() if cls.meta().tells_a_person), key=lambda c: c.__name__)
EVERYTHING = {(c.value, ch.value) for c, ch in optional_choices()}
PARTS = {Channel.EMAIL: ("subject.txt", "txt", "html"), Channel.SMS: ("sms.txt",), Channel.LETTER: ("subject.txt",)}


@pytest.mark.parametrize("event_type", TELLING, ids=lambda c: c.__name__)
def test_an_event_that_tells_a_person_something_renders_on_every_channel_it_may_use(event_type, brand, full_contact):
    event = sample_model(event_type)
    if hasattr(event, "account_id"):
        event = event.model_copy(update={"account_id": full_contact.account_id})
    planned = plan(event, full_contact, EVERYTHING, brand)
    assert planned and all(isinstance(p, MessageRequest) for p in planned), planned
    renderer = TemplateRenderer()
    for request in planned:
        rendered = renderer.render(request.template, request.context, request.channel)
        assert rendered.text.strip()
        if request.channel is not Channel.SMS:
            assert rendered.subject and brand.insurer_name in rendered.subject + rendered.text
        if request.channel is Channel.EMAIL:
            assert rendered.text.startswith("Bonjour")
            assert brand.insurer_phone in rendered.text and "<p>Bonjour" in rendered.html


def test_every_event_that_tells_a_person_something_has_a_composer_and_every_channel_its_files():
    assert set(TELLING) <= set(COMPOSERS)
    for spec in TEMPLATES.values():
        for channel in (*spec.channels, *spec.optional):
            for part in PARTS[channel]:
                assert (TEMPLATES_DIR / f"{spec.name}.{part}").exists(), f"{spec.name}.{part}"


def test_a_template_fails_to_render_when_a_variable_is_missing(brand, full_contact):
    from ms_events.events.contracts import TerminationConfirmed

    event = sample_model(TerminationConfirmed).model_copy(update={"account_id": full_contact.account_id})
    (request,) = plan(event, full_contact, set(), brand)
    context = dict(request.context)
    del context["effective_date"]
    with pytest.raises(UndefinedError):
        TemplateRenderer().render(request.template, context, Channel.EMAIL)


def test_no_template_file_is_left_without_a_spec():
    names = {p.name.split(".")[0] for p in Path(TEMPLATES_DIR).iterdir() if not p.name.startswith("_")}
    assert names == set(TEMPLATES)


def test_the_activation_letter_renders_with_the_code_and_the_address(brand, full_contact):
    request = activation_letter(full_contact, "K7P-2QX-9ZD", date(2025, 9, 30), brand)
    assert isinstance(request, MessageRequest)
    assert request.recipient.splitlines() == ["Camille Durand", "4 place Bellecour", "69002 Lyon"]
    rendered = TemplateRenderer().render(request.template, request.context, Channel.LETTER)
    assert rendered.subject == "Activez votre espace personnel Mutuelle Exemple"
    assert "K7P-2QX-9ZD" in rendered.text and "30 septembre 2025" in rendered.text
    assert rendered.text.startswith("Madame, Monsieur Durand,")


@pytest.mark.parametrize("event_type", TELLING, ids=lambda c: c.__name__)
def test_every_sms_fits_in_one_gsm7_message(event_type, brand, full_contact):
    from notify.domain.sms import fits_one_sms, is_gsm7

    event = sample_model(event_type)
    if hasattr(event, "account_id"):
        event = event.model_copy(update={"account_id": full_contact.account_id})
    for request in plan(event, full_contact, EVERYTHING, brand):
        if request.channel is Channel.SMS:
            text = TemplateRenderer().render(request.template, request.context, Channel.SMS).text
            assert is_gsm7(text), [c for c in text if not is_gsm7(c)]
            assert fits_one_sms(text), (len(text), text)


def test_a_character_beyond_gsm7_or_a_161st_character_does_not_fit_one_sms():
    from notify.domain.sms import fits_one_sms

    assert not fits_one_sms("Votre contrat a été résilié, à bientôt ça va")  # ç is not GSM-7
    assert fits_one_sms("x" * 160) and not fits_one_sms("x" * 161)
