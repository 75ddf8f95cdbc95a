"""Standard Webhooks signatures: what a receiver verifies with the maintained library."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from webhooks.domain.model import message_id
from webhooks.domain.signing import SECRET_PREFIX, new_secret, signed_headers

BODY = json.dumps({"id": "3f1c", "type": "AccountConfirmed", "data": {"account_id": "a1"}}).encode()


def test_a_new_secret_is_whsec_and_32_random_bytes_each_time():
    first, second = new_secret(), new_secret()
    assert first.startswith(SECRET_PREFIX) and first != second
    assert len(base64.b64decode(first.removeprefix(SECRET_PREFIX))) == 32


def test_the_signature_is_v1_and_the_base64_hmac_sha256_of_id_timestamp_and_body():
    secret, now = new_secret(), datetime.now(UTC)
    headers = signed_headers("msg_1", now, BODY, [secret])
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    expected = hmac.new(key, f"msg_1.{int(now.timestamp())}.".encode() + BODY, hashlib.sha256).digest()
    assert headers == {"webhook-id": "msg_1", "webhook-timestamp": str(int(now.timestamp())),
                       "webhook-signature": "v1," + base64.b64encode(expected).decode()}


def test_the_library_verifies_a_signed_delivery_and_returns_its_body():
    secret = new_secret()
    headers = signed_headers("msg_2", datetime.now(UTC), BODY, [secret])
    assert Webhook(secret).verify(BODY, headers) == json.loads(BODY)


def test_a_changed_body_or_another_secret_fails_verification():
    secret = new_secret()
    headers = signed_headers("msg_3", datetime.now(UTC), BODY, [secret])
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"a1", b"a2"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_a_request_replayed_more_than_five_minutes_later_is_refused():
    secret = new_secret()
    signed_at = datetime.now(UTC)
    headers = signed_headers("msg_4", signed_at, BODY, [secret])
    with time_machine.travel(signed_at + timedelta(minutes=4, seconds=50), tick=False):
        Webhook(secret).verify(BODY, headers)
    with time_machine.travel(signed_at + timedelta(minutes=5, seconds=2), tick=False):
        with pytest.raises(WebhookVerificationError, match="too old"):
            Webhook(secret).verify(BODY, headers)


def test_after_a_rotation_both_the_new_and_the_previous_secret_verify():
    new, previous = new_secret(), new_secret()
    headers = signed_headers("msg_5", datetime.now(UTC), BODY, [new, previous])
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (new, previous):
        Webhook(secret).verify(BODY, headers)


def test_the_webhook_id_is_the_deliverys_and_the_same_every_time():
    import uuid

    delivery = uuid.uuid4()
    assert message_id(delivery) == message_id(delivery) == f"msg_{delivery.hex}"
