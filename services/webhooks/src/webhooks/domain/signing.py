"""Standard Webhooks signatures (https://www.standardwebhooks.com), with the maintained
``standardwebhooks`` package: ``webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>``.

A secret is ``whsec_`` + base64 of 32 random bytes, made here, shown once to the operator and
stored sealed. After a rotation the previous secret signs too for a while (the header then
holds two signatures, separated by a space, as the specification allows), so a receiver can
switch without losing a delivery.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from math import floor

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signed_headers(webhook_id: str, timestamp: datetime, body: bytes, secrets_: list[str]) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt, signed with each of ``secrets_``."""
    signatures = " ".join(Webhook(secret).sign(webhook_id, timestamp, body) for secret in secrets_)
    return {"webhook-id": webhook_id, "webhook-timestamp": str(floor(timestamp.timestamp())),
            "webhook-signature": signatures}
