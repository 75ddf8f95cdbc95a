import io
import json
import uuid

import httpx
import pytest
from pypdf import PdfReader

from notify.adapters.letters import LetterSender, LocalPrintQueue, letter_file_name
from notify.adapters.repository import DueDelivery
from notify.adapters.sending import SendError
from notify.adapters.sms import SmsConfig, SmsSender
from notify.domain.model import Rendered, message_id, message_key


def due(channel: str, recipient: str, content: Rendered) -> DueDelivery:
    event_id = uuid.uuid4()
    return DueDelivery(id=uuid.uuid4(), source_event_id=event_id, channel=channel, template="t",
                       account_id=None, recipient=recipient, message_id=message_id(event_id, channel),
                       attempts=0, content=content)


def sms_sender(handler) -> SmsSender:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return SmsSender(SmsConfig("http://sms.test/", "k-1", "MUTUELLE"), client)


async def test_an_sms_is_posted_with_the_key_and_a_reference_derived_from_event_and_channel():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json={"id": "p-1"})

    delivery = due("sms", "+33612345678", Rendered(None, "482913 est votre code"))
    await sms_sender(handler).send(delivery)

    (request,) = seen
    assert str(request.url) == "http://sms.test/v1/messages"
    assert request.headers["authorization"] == "Bearer k-1"
    body = json.loads(request.content)
    reference = f"{message_key(delivery.source_event_id, 'sms')}@notify.memberspace"
    assert body == {"to": "+33612345678", "text": "482913 est votre code", "reference": reference,
                    "sender": "MUTUELLE"}
    assert request.headers["idempotency-key"] == reference


@pytest.mark.parametrize("status,permanent", [(400, True), (422, True), (401, False), (429, False), (503, False)])
async def test_provider_refusals_are_permanent_only_for_the_message_itself(status, permanent):
    sender = sms_sender(lambda _r: httpx.Response(status, json={"detail": "+33612345678 refused"}))
    with pytest.raises(SendError) as failure:
        await sender.send(due("sms", "+33612345678", Rendered(None, "x")))
    assert failure.value.permanent is permanent
    assert failure.value.reason == f"SMS provider HTTP {status}" and "+33" not in failure.value.reason


async def test_an_unreachable_provider_is_a_transient_failure():
    def handler(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(SendError) as failure:
        await sms_sender(handler).send(due("sms", "+33612345678", Rendered(None, "x")))
    assert failure.value.permanent is False and failure.value.reason == "ConnectError"


async def test_a_letter_is_a_pdf_in_the_print_queue_named_after_the_message_id(tmp_path):
    delivery = due("letter", "Camille Durand\n4 place Bellecour\n69002 Lyon",
                   Rendered("Activez votre espace personnel", "Madame, Monsieur Durand,\n\nVotre code : K7P-2QX."))
    await LetterSender(LocalPrintQueue(tmp_path), ["Mutuelle Exemple", "12 rue des Lilas", "75013 Paris"]).send(delivery)

    (pdf,) = list(tmp_path.iterdir())
    assert pdf.name == letter_file_name(delivery) == f"{message_key(delivery.source_event_id, 'letter')}.pdf"
    text = PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text()
    for expected in ("Mutuelle Exemple", "Camille Durand", "69002 Lyon", "Objet : Activez votre espace personnel",
                     "Votre code : K7P-2QX.", delivery.message_id.strip("<>")):
        assert expected in text


async def test_a_letter_written_twice_replaces_itself(tmp_path):
    delivery = due("letter", "A\n1 rue B\n75001 Paris", Rendered("Objet", "Texte"))
    sender = LetterSender(LocalPrintQueue(tmp_path), ["Mutuelle Exemple"])
    await sender.send(delivery)
    await sender.send(delivery)
    assert [p.name for p in tmp_path.iterdir()] == [letter_file_name(delivery)]
