"""Sending an SMS through the SMS provider's HTTP API (one adapter for any provider).

The API: ``POST {url}/v1/messages`` with ``Authorization: Bearer <key>`` and JSON
``{"to", "text", "reference", "sender"}``; the provider answers 202 (or 200/201) with its
own message id. ``reference`` is the delivery's message id without angle brackets, so a
message re-sent after a crash can be recognised; it is also sent as ``Idempotency-Key``.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from notify.adapters.repository import DueDelivery
from notify.adapters.sending import Handover, SendError
from notify.domain.model import message_reference

# Answers worth retrying: the provider is busy, throttling, or timed out.
_TRANSIENT = {408, 425, 429}


@dataclass(frozen=True)
class SmsConfig:
    url: str
    key: str
    sender: str = "MUTUELLE"
    timeout_s: float = 10.0


def sms_payload(delivery: DueDelivery, sender: str) -> dict[str, str]:
    return {
        "to": delivery.recipient or "",
        "text": delivery.content.text,
        "reference": message_reference(delivery.message_id),
        "sender": sender,
    }


class SmsSender:
    def __init__(self, config: SmsConfig, client: httpx.AsyncClient | None = None) -> None:
        self._config = config
        self._client = client or httpx.AsyncClient(timeout=config.timeout_s)

    async def send(self, delivery: DueDelivery, handover: Handover = None) -> None:
        cfg = self._config
        payload = sms_payload(delivery, cfg.sender)
        if handover is not None:
            await handover()
        try:
            response = await self._client.post(
                f"{cfg.url.rstrip('/')}/v1/messages", json=payload,
                headers={"Authorization": f"Bearer {cfg.key}", "Idempotency-Key": payload["reference"]},
            )
        except httpx.HTTPError as exc:
            raise SendError(type(exc).__name__, permanent=False) from exc
        if response.status_code in (200, 201, 202):
            return
        # Never the body: providers echo the number or the text.
        permanent = 400 <= response.status_code < 500 and response.status_code not in _TRANSIENT
        if response.status_code in (401, 403):
            permanent = False  # our key: fixable without changing the message
        raise SendError(f"SMS provider HTTP {response.status_code}", permanent=permanent)

    async def aclose(self) -> None:
        await self._client.aclose()
