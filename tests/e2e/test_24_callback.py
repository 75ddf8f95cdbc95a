"""« Je souhaite être rappelé » through the gateway (issue 12, CB-1..CB-3): slots and booking
without a token, a member's confirmation email, moves, the SMS reminder the morning of the slot
read from the SMS stand-in, the agents' queue, a missed call, the export; contact requests and
complaints (CB-4) with files sent as multipart/form-data, a phone's 2 MB photo included."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import subprocess
import uuid
from datetime import datetime, time
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from PIL import Image

from callback.bootstrap import load_settings
from e2e_support import PASSWORD, PYTHON, ROOT, sign_up_and_confirm, sms_to, unique_email, unique_mobile, wait_until
from ms_deploy import declaration
from ms_deploy.declaration import BODY_LIMIT, size_bytes

pytestmark = pytest.mark.e2e
PARIS = ZoneInfo("Europe/Paris")


async def staff_token(gateway: httpx.AsyncClient, kind: str) -> str:
    address = unique_email(kind)
    subprocess.run(
        [str(PYTHON), "-m", "identity", "create-staff", "--kind", kind, "--email", address,
         "--first-name", "Agathe", "--last-name", "Appel"],
        cwd=ROOT, env={**os.environ, "STAFF_PASSWORD": PASSWORD}, check=True, capture_output=True, timeout=60)
    r = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return r.json()["access_token"]


@pytest.fixture(scope="module")
async def agent(gateway) -> dict[str, str]:
    return {"Authorization": f"Bearer {await staff_token(gateway, 'agent')}"}


@pytest.fixture(scope="module")
async def member(gateway, mailbox, registry) -> tuple[str, dict[str, str]]:
    [person] = await registry.register(1)
    address = unique_email("callback")
    token = await sign_up_and_confirm(gateway, mailbox, person, address)
    return address, {"Authorization": f"Bearer {token}"}


async def free_slots(gateway) -> list[str]:
    r = await gateway.get("/v1/callback-slots")
    assert r.status_code == 200, r.text
    return [s["start"] for s in r.json()]


def subjects(mailbox, address: str) -> list[str]:
    return [str(m["Subject"]) for m in mailbox.messages_to(address)]


async def test_a_person_without_an_account_sees_the_slots_and_books_with_name_and_phone_only(gateway):
    slots = await free_slots(gateway)
    starts = [datetime.fromisoformat(s) for s in slots]
    assert starts == sorted(starts) and starts[0] > datetime.now(PARIS)
    r = await gateway.post("/v1/callbacks", json={
        "reason": "contract_question", "slot_start": slots[-1], "phone": unique_mobile(),
        "first_name": "Lucienne", "last_name": "Morel", "comment": "Je n'ai pas d'adresse e-mail."})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "scheduled" and r.json()["sms_reminder"] is True
    problem = await gateway.post("/v1/callbacks", json={
        "reason": "rappel", "slot_start": slots[-1], "phone": "06 12"})
    assert problem.status_code == 422 and problem.headers["content-type"] == "application/problem+json"


async def test_a_member_books_gets_the_french_email_moves_and_is_reminded_by_sms_the_morning_of_the_slot(
        gateway, mailbox, member):
    address, auth = member
    mobile = unique_mobile()
    e164 = "+33" + mobile[1:]
    slots = await free_slots(gateway)
    booked = await gateway.post("/v1/callbacks", headers=auth, json={
        "reason": "case_follow_up", "slot_start": slots[len(slots) // 2], "phone": mobile, "case_number": "AS-77"})
    assert booked.status_code == 201, booked.text
    callback = booked.json()

    async def confirmed():
        return [m for m in mailbox.messages_to(address) if "rappel est confirmée" in str(m["Subject"])]
    [mail] = await wait_until(confirmed, timeout=60, what="the callback confirmation email")
    text = mail.get_body(("plain",)).get_content()
    start = datetime.fromisoformat(callback["slot_start"]).astimezone(PARIS)
    assert f"entre {start.hour} h {start.minute:02d}" in text and "Suivi d'un dossier en cours (dossier AS-77)" in text

    later = next(s for s in reversed(slots) if datetime.fromisoformat(s).date() != start.date())
    moved = await gateway.post(f"/v1/callbacks/{callback['id']}/reschedule", headers=auth, json={"slot_start": later})
    assert moved.status_code == 200, moved.text
    await wait_until(lambda: _async(any("déplacé" in s for s in subjects(mailbox, address))), timeout=60,
                     what="the moved email")
    assert [c["id"] for c in (await gateway.get("/v1/callbacks", headers=auth)).json()] == [callback["id"]]

    # The worker's sweep runs on the wall clock; the morning of the slot is weeks away, so the test
    # runs the same sweep at that morning's reminder hour. Relay, Kafka, notify and the SMS
    # provider's stand-in are the real ones.
    from callback.app.reminders import publish_due_reminders
    from ms_events import outbox

    morning = datetime.combine(datetime.fromisoformat(later).astimezone(PARIS).date(), time(8), PARIS)
    pool = await asyncpg.create_pool(os.environ["CALLBACK_DATABASE_URL"], min_size=1, max_size=2)
    try:
        await publish_due_reminders(outbox.unit_of_work(pool), morning)
    finally:
        await pool.close()
    [sms] = await wait_until(lambda: _async(sms_to(e164)), timeout=60, what="the reminder SMS")
    local = datetime.fromisoformat(later).astimezone(PARIS)
    assert f"aujourd'hui entre {local.hour} h {local.minute:02d}" in sms["text"] and sms["segments"] == 1


async def test_an_agent_sees_the_queue_records_a_missed_call_and_the_member_is_told(gateway, mailbox, member, agent):
    address, auth = member
    slots = await free_slots(gateway)
    booked = (await gateway.post("/v1/callbacks", headers=auth, json={
        "reason": "new_service_request", "slot_start": slots[0], "phone": unique_mobile()})).json()
    assert (await gateway.get("/v1/callback-queue", headers=auth)).status_code == 403
    day = datetime.fromisoformat(slots[0]).astimezone(PARIS).date().isoformat()
    queue = await gateway.get("/v1/callback-queue", params={"day": day}, headers=agent)
    assert queue.status_code == 200, queue.text
    assert booked["id"] in {c["id"] for s in queue.json() for c in s["callbacks"]}
    missed = await gateway.post(f"/v1/callback-queue/{booked['id']}/outcome", json={"outcome": "no_answer"},
                                headers=agent)
    assert missed.status_code == 200 and missed.json()["status"] == "no_answer"
    await wait_until(lambda: _async(any("pas pu vous joindre" in s for s in subjects(mailbox, address))), timeout=60,
                     what="the missed-call email")


async def test_the_export_includes_the_members_callbacks(gateway, member):
    _, auth = member
    r = await gateway.get("/v1/me/export", headers=auth)
    assert r.status_code == 200, r.text
    callbacks = r.json()["contexts"]["callback"]["callbacks"]
    assert callbacks and all(c["phone"].startswith("+33") for c in callbacks)


def _volley(count: int, request: bytes) -> dict[int, int]:
    """``count`` requests sent at once on connections opened beforehand; statuses counted."""
    sockets = [socket.create_connection(("127.0.0.1", 8080), timeout=30) for _ in range(count)]
    statuses: dict[int, int] = {}
    try:
        for s in sockets:
            s.sendall(request)
        for s in sockets:
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
            status = int(answer.split(b" ", 2)[1])
            statuses[status] = statuses.get(status, 0) + 1
            if status == 429:
                assert b"application/problem+json" in answer.partition(b"\r\n\r\n")[0]
    finally:
        for s in sockets:
            s.close()
    return statuses


def test_booking_without_a_token_is_rate_limited_at_the_gateway():
    # An empty body is a 422 from callback: nothing is booked by the requests let through. The local
    # zone drains 1000 a second after a burst of 50; on a starved CPU up to three volleys are sent.
    request = (b"POST /v1/callbacks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")
    volleys = []
    for _ in range(3):
        statuses = _volley(400, request)
        volleys.append(statuses)
        assert set(statuses) <= {422, 429}, statuses
        if statuses.get(429):
            break
    assert volleys[-1].get(429), volleys


async def _async(value):
    return value


# ---- contact requests and complaints (CB-4) ------------------------------------------------------

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
PHONE_PHOTO_BYTES = 2_000_000  # a phone's photo of a letter: about 2 MB


def phone_photo(at_least: int = PHONE_PHOTO_BYTES) -> bytes:
    """A real JPEG (noise does not compress) of at least ``at_least`` bytes."""
    side = 800
    while True:
        out = io.BytesIO()
        Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "JPEG", quality=90)
        if out.tell() >= at_least:
            return out.getvalue()
        side += 200


def parts(*files: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("attachments", (name, content, "application/octet-stream")) for name, content in files]


def is_problem(response: httpx.Response, status: int) -> bool:
    return (response.status_code == status
            and response.headers["content-type"].startswith("application/problem+json")
            and response.json()["status"] == status)


async def test_a_complaint_about_the_members_contract_with_a_phone_photo_is_acknowledged_and_answered_by_email(
        gateway, mailbox, member, agent):
    address, auth = member
    [contract] = (await gateway.get("/v1/contracts", headers=auth)).json()
    photo = phone_photo()
    form = {"kind": "complaint", "category": "contribution_amount", "contract_id": contract["id"],
            "message": "Ma cotisation de mars ne correspond pas à mon contrat."}
    files = parts(("courrier.jpg", photo), ("avis.png", PNG_1PX))
    headers = {**auth, "Idempotency-Key": str(uuid.uuid4())}
    filed = await gateway.post("/v1/contact-requests", headers=headers, data=form, files=files)
    assert filed.status_code == 201, filed.text
    complaint = filed.json()
    stored = {a["filename"]: a for a in complaint["attachments"]}
    assert (stored["courrier.jpg"]["size"], stored["courrier.jpg"]["media_type"]) == (len(photo), "image/jpeg")
    assert stored["courrier.jpg"]["sha256"] == hashlib.sha256(photo).hexdigest()
    # The same upload again with the same Idempotency-Key: the first request, nothing stored twice.
    again = await gateway.post("/v1/contact-requests", headers=headers, data=form, files=files)
    assert again.status_code == 200 and again.json()["id"] == complaint["id"], again.text
    assert [r["id"] for r in (await gateway.get("/v1/contact-requests", headers=auth)).json()].count(complaint["id"]) == 1
    for name, content, media_type in (("courrier.jpg", photo, "image/jpeg"), ("avis.png", PNG_1PX, "image/png")):
        download = await gateway.get(f"/v1/contact-requests/{complaint['id']}/attachments/{stored[name]['id']}",
                                     headers=auth)
        assert download.content == content and download.headers["content-type"] == media_type

    async def told(words: str):
        return any(words in s for s in subjects(mailbox, address))
    await wait_until(lambda: told("Réclamation reçue"), timeout=60, what="the complaint's receipt email")
    assert (await gateway.post(f"/v1/contact-queue/{complaint['id']}/acknowledge", headers=agent)).status_code == 200
    await wait_until(lambda: told("prise en charge"), timeout=60, what="the acknowledgement email")
    answered = await gateway.post(f"/v1/contact-queue/{complaint['id']}/answer", headers=agent,
                                  json={"answer": "Votre cotisation est corrigée à compter d'avril."})
    assert answered.status_code == 200, answered.text
    await wait_until(lambda: told("Réponse à votre réclamation"), timeout=60, what="the answer email")
    mine = {r["id"]: r for r in (await gateway.get("/v1/contact-requests", headers=auth)).json()}
    assert mine[complaint["id"]]["answer"] == "Votre cotisation est corrigée à compter d'avril."


async def test_a_contract_that_is_not_the_members_and_a_file_that_is_not_an_image_are_refused(
        gateway, mailbox, registry, member):
    _, auth = member
    [other_person] = await registry.register(1)
    other = await sign_up_and_confirm(gateway, mailbox, other_person, unique_email("callback-other"))
    [theirs] = (await gateway.get("/v1/contracts", headers={"Authorization": f"Bearer {other}"})).json()
    refused = await gateway.post("/v1/contact-requests", headers=auth, data={
        "kind": "request", "category": "contract", "contract_id": theirs["id"], "message": "Une question."})
    assert refused.status_code == 422 and refused.json()["field"] == "contract_id", refused.text
    fake = await gateway.post("/v1/contact-requests", headers=auth,
                              data={"kind": "request", "category": "other", "message": "Voici ma facture."},
                              files=parts(("facture.png", b"<svg></svg>")))
    assert fake.status_code == 422 and fake.json()["type"].endswith("unaccepted-file")
    assert fake.json()["field"] == "attachments.0" and "facture.png" in fake.json()["detail"]


async def test_a_file_over_its_limit_is_a_problem_naming_it_a_body_over_the_gateways_a_413_and_nothing_is_stored(
        gateway, member):
    _, auth = member
    before = (await gateway.get("/v1/contact-requests", headers=auth)).json()
    limit = load_settings().max_attachment_bytes
    form = {"kind": "request", "category": "other", "message": "Mon dossier complet."}
    too_big = b"%PDF-1.4\n" + b" " * limit
    answer = await gateway.post("/v1/contact-requests", headers=auth, data=form,
                                files=parts(("lettre.png", PNG_1PX), ("dossier.pdf", too_big)))
    assert is_problem(answer, 422), answer.text
    assert answer.json()["field"] == "attachments.1" and "« dossier.pdf »" in answer.json()["detail"]
    # Past what the gateway lets through on this route: nginx's own 413, problem+json too.
    gateway_limit = size_bytes(declaration.load().service("callback").max_upload_body)
    answer = await gateway.post("/v1/contact-requests", headers=auth, data=form,
                                files=parts(("enorme.pdf", b"%PDF-1.4\n" + b" " * gateway_limit)))
    assert is_problem(answer, 413), answer.text
    assert (await gateway.get("/v1/contact-requests", headers=auth)).json() == before
    # Every other route keeps the gateway's 1m, callback's own included.
    answer = await gateway.post(f"/v1/contact-queue/{uuid.uuid4()}/answer", headers=auth,
                                json={"answer": "x" * (size_bytes(BODY_LIMIT) + 1)})
    assert is_problem(answer, 413), answer.text
