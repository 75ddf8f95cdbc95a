"""Posts one signed delivery to a target (httpx): no redirects followed, bounded time and answer."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

USER_AGENT = "memberspace-webhooks/1"
# The CloudEvents HTTP binding's structured mode: the body is the whole envelope.
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


@dataclass(frozen=True)
class Answer:
    """What the target answered (``status``), or why there was no answer (``error``)."""

    status: int | None
    error: str | None = None


class Sender:
    def __init__(self, timeout_s: float, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s), follow_redirects=False, transport=transport,
            headers={"user-agent": USER_AGENT, "content-type": CONTENT_TYPE},
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16))

    async def post(self, url: str, headers: dict[str, str], body: bytes) -> Answer:
        try:
            # The answer's body is not read beyond its headers: a target decides nothing by it.
            async with self._client.stream("POST", url, content=body, headers=headers) as response:
                return Answer(response.status_code, None if response.is_success else f"HTTP {response.status_code}")
        except httpx.TimeoutException as exc:
            return Answer(None, f"timeout ({type(exc).__name__})")
        except httpx.HTTPError as exc:
            return Answer(None, f"no answer ({type(exc).__name__})")

    async def close(self) -> None:
        await self._client.aclose()
