"""Signed webhooks through the running stack (docs/integrators.md, "Webhooks").

An operator subscribes a real HTTP receiver, started here on 127.0.0.1 (a free port), through
the gateway; real journeys (a sign-up and its confirmation, a profile update) produce events
that the webhooks worker queues and its dispatcher posts, signed per Standard Webhooks. The
receiver's requests are verified with the ``standardwebhooks`` library, as an integrator does.
Other journeys run on the same stack at the same time: each test recognises its own events by
the account id in ``data``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from e2e_support import PYTHON, ROOT, sign_up_and_confirm, unique_email, wait_until
from ms_platform.testing import free_port
from webhook_receiver import Receiver

pytestmark = pytest.mark.e2e

SUBSCRIPTIONS = "/v1/webhook-subscriptions"
EXAMPLE = ROOT / "examples" / "webhook_receiver" / "receiver.py"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def account_of(token: str) -> str:
    import jwt

    return jwt.decode(token, options={"verify_signature": False})["sub"]


def about(account: str, event_type: str):
    """A predicate on a received body: the event of that type about that account."""
    def match(body: bytes) -> bool:
        try:
            event = json.loads(body)
        except ValueError:
            return False
        return event.get("type") == event_type and event.get("data", {}).get("account_id") == account
    return match


@pytest.fixture
async def subscribe(gateway, operator_token):
    """Subscriptions made through the gateway by an operator, deleted after the test."""
    made: list[str] = []

    async def make(url: str, types: list[str]) -> dict:
        response = await gateway.post(SUBSCRIPTIONS, json={"url": url, "event_types": types},
                                      headers=bearer(operator_token))
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
        return response.json()

    yield make
    for sub_id in made:
        await gateway.delete(f"{SUBSCRIPTIONS}/{sub_id}", headers=bearer(operator_token))


async def sign_up(gateway, mailbox, registry, tag: str) -> str:
    [person] = await registry.register(1)
    return await sign_up_and_confirm(gateway, mailbox, person, unique_email(tag))


async def test_a_sign_up_reaches_a_subscribed_receiver_signed_and_an_old_replay_is_refused(
        gateway, mailbox, registry, subscribe):
    with Receiver() as receiver:
        sub = await subscribe(receiver.url, ["AccountConfirmed"])
        assert sub["secret"].startswith("whsec_")
        token = await sign_up(gateway, mailbox, registry, "webhook-signup")
        account = account_of(token)
        mine = about(account, "AccountConfirmed")
        await wait_until(lambda: _async([r for r in receiver.requests if mine(r.body)]), 90,
                         what="the AccountConfirmed webhook")
    [received] = [r for r in receiver.requests if mine(r.body)]
    event = Webhook(sub["secret"]).verify(received.body, received.headers)
    assert event["type"] == "AccountConfirmed" and event["specversion"] == "1.0" and event["source"] == "/identity"
    assert event["subject"] == account and event["dataschema"].endswith("/AccountConfirmed.v1.json")
    assert received.headers["webhook-id"].startswith("msg_")
    assert abs(int(received.headers["webhook-timestamp"]) - received.at) < 5
    assert received.headers["content-type"].startswith("application/cloudevents+json")
    # The same request, captured and sent again more than 5 minutes later, is refused.
    with time_machine.travel(datetime.fromtimestamp(received.at, UTC) + timedelta(minutes=5, seconds=5), tick=False):
        with pytest.raises(WebhookVerificationError, match="too old"):
            Webhook(sub["secret"]).verify(received.body, received.headers)
    # Nor does it verify with any other secret.
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(received.body, received.headers)


async def test_a_receiver_answering_500_twice_gets_a_profile_update_on_the_third_attempt_once(
        gateway, mailbox, registry, subscribe, operator_token):
    token = await sign_up(gateway, mailbox, registry, "webhook-retry")
    mine = about(account_of(token), "ProfileUpdated")

    def answer(body: bytes, before: list) -> int | None:
        if not mine(body):
            return 204
        return 500 if sum(1 for r in before if mine(r.body)) < 2 else 204

    before = await dispatcher_metrics()
    with Receiver(answer=answer) as receiver:
        sub = await subscribe(receiver.url, ["ProfileUpdated"])
        updated = await gateway.patch("/v1/me", json={"phone": "06 12 34 56 78"}, headers=bearer(token))
        assert updated.status_code == 200, updated.text
        await wait_until(lambda: _async([r for r in receiver.requests if mine(r.body) and r.answered == 204]), 120,
                         what="the third attempt of the ProfileUpdated webhook")
        await asyncio.sleep(3)  # time enough for a (wrong) fourth attempt
    attempts = [r for r in receiver.requests if mine(r.body)]
    assert [r.answered for r in attempts] == [500, 500, 204]
    assert len({r.headers["webhook-id"] for r in attempts}) == 1  # receivers deduplicate on it
    assert attempts[0].at < attempts[1].at < attempts[2].at
    for received in attempts:  # each attempt signed again, with its own timestamp
        assert Webhook(sub["secret"]).verify(received.body, received.headers)["type"] == "ProfileUpdated"
    listed = await gateway.get(f"{SUBSCRIPTIONS}/{sub['id']}/deliveries", headers=bearer(operator_token))
    [delivery] = [d for d in listed.json()["items"] if d["webhook_id"] == attempts[0].headers["webhook-id"]]
    assert (delivery["status"], delivery["attempts"], delivery["last_status"]) == ("delivered", 3, 204)
    after = await dispatcher_metrics()  # the dispatcher's own series (other journeys may add to them)
    assert after['webhooks_deliveries_total{outcome="retried"}'] >= before['webhooks_deliveries_total{outcome="retried"}'] + 2
    assert after['webhooks_deliveries_total{outcome="delivered"}'] >= before['webhooks_deliveries_total{outcome="delivered"}'] + 1
    assert after.get('webhooks_attempt_seconds_count{result="5xx"}', 0) >= \
        before.get('webhooks_attempt_seconds_count{result="5xx"}', 0) + 2
    assert "webhooks_backlog" in after and "webhooks_oldest_due_age_seconds" in after


async def test_the_example_receiver_verifies_a_delivery_and_refuses_a_forged_or_old_request(
        gateway, mailbox, registry, subscribe):
    port = free_port()
    sub = await subscribe(f"http://127.0.0.1:{port}/hooks", ["AccountConfirmed"])
    process = subprocess.Popen([str(PYTHON), str(EXAMPLE), "--port", str(port)], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "WEBHOOK_SECRET": sub["secret"]})
    try:
        assert "ready" in json.loads(process.stdout.readline())
        token = await sign_up(gateway, mailbox, registry, "webhook-example")
        account = account_of(token)
        line = await asyncio.wait_for(asyncio.to_thread(_line_about, process, account), 90)
        assert line["type"] == "AccountConfirmed" and line["webhook_id"].startswith("msg_")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            body = json.dumps({"id": str(uuid.uuid4()), "type": "AccountConfirmed", "data": {}}).encode()
            old = datetime.now(UTC) - timedelta(minutes=6)
            signed_old = {"webhook-id": "msg_old", "webhook-timestamp": str(int(old.timestamp())),
                          "webhook-signature": Webhook(sub["secret"]).sign("msg_old", old, body)}
            assert (await client.post("/hooks", content=body, headers=signed_old)).status_code == 400
            forged = {**signed_old, "webhook-timestamp": str(int(time.time()))}  # signature of another time
            assert (await client.post("/hooks", content=body, headers=forged)).status_code == 400
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=10)
    assert errors.count('"refused"') == 2 and "too old" in errors


async def test_other_account_kinds_are_refused_on_every_operator_route(gateway, mailbox, registry, operator_token):
    member = await sign_up(gateway, mailbox, registry, "webhook-member")
    sub = await gateway.post(SUBSCRIPTIONS, json={"url": "http://127.0.0.1:9/x", "event_types": ["AccountConfirmed"]},
                             headers=bearer(operator_token))
    sub_id = sub.json()["id"]
    routes = [("get", SUBSCRIPTIONS), ("post", SUBSCRIPTIONS), ("get", f"{SUBSCRIPTIONS}/{sub_id}"),
              ("post", f"{SUBSCRIPTIONS}/{sub_id}/disable"), ("post", f"{SUBSCRIPTIONS}/{sub_id}/secret-rotations"),
              ("get", f"{SUBSCRIPTIONS}/{sub_id}/deliveries"), ("delete", f"{SUBSCRIPTIONS}/{sub_id}"),
              ("post", f"{SUBSCRIPTIONS}/{sub_id}/deliveries/{uuid.uuid4()}/replay"),
              ("get", "/v1/webhook-event-types")]
    try:
        for method, path in routes:
            body = {"url": "https://integrateur.example/h", "event_types": ["AccountConfirmed"]} \
                if method == "post" and path == SUBSCRIPTIONS else None
            as_member = await gateway.request(method, path, json=body, headers=bearer(member))
            assert as_member.status_code in (403, 404), (method, path, as_member.text)
            assert "whsec_" not in as_member.text and "integrateur" not in as_member.text
            anonymous = await gateway.request(method, path, json=body)
            assert anonymous.status_code == 401, (method, path, anonymous.text)
        still = await gateway.get(f"{SUBSCRIPTIONS}/{sub_id}", headers=bearer(operator_token))
        assert still.status_code == 200 and still.json()["status"] == "active"  # nothing a member did stuck
        missing = await gateway.get(f"{SUBSCRIPTIONS}/{uuid.uuid4()}", headers=bearer(operator_token))
        assert missing.status_code == 404
    finally:
        await gateway.delete(f"{SUBSCRIPTIONS}/{sub_id}", headers=bearer(operator_token))


async def dispatcher_metrics() -> dict[str, float]:
    """The running dispatcher's /metrics (its probe port on the local stack), as series -> value."""
    from ms_deploy.declaration import load
    from ms_deploy.local import metrics_port

    port = metrics_port(load().service("webhooks"), "dispatcher")
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
            if line.startswith("webhooks_")}


def _line_about(process: subprocess.Popen, account: str) -> dict:
    for raw in process.stdout:
        line = json.loads(raw)
        if line.get("data", {}).get("account_id") == account:
            return line
    raise AssertionError("the example receiver stopped before the event came")


async def _async(value):
    return value


async def test_forged_tokens_claiming_the_operator_role_are_refused_on_the_operator_routes(
        gateway, mailbox, registry, operator_token):
    from test_11_security_tokens import _forged_tokens  # the platform's list (alg none, tampered roles...)

    member = await sign_up(gateway, mailbox, registry, "webhook-forger")
    assert (await gateway.get(SUBSCRIPTIONS, headers=bearer(operator_token))).status_code == 200
    for name, forged in _forged_tokens(member).items():
        for method, path in (("get", SUBSCRIPTIONS), ("get", "/v1/webhook-event-types"),
                             ("post", SUBSCRIPTIONS)):
            body = {"url": "https://integrateur.example/h", "event_types": ["AccountConfirmed"]} \
                if method == "post" else None
            response = await gateway.request(method, path, json=body, headers=bearer(forged))
            assert response.status_code == 401, f"{method} {path} accepted a token with {name}: {response.text}"
            assert response.headers["content-type"] == "application/problem+json"
