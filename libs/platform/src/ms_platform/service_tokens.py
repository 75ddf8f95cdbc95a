"""Short-lived service tokens for calling another service (ADR 0007).

A service asks identity for a token with the OAuth 2.0 client-credentials grant:
``POST /internal/v1/service-tokens`` with HTTP Basic ``<service name>:<service secret>``
and ``{"audience": "<called service>"}``; identity answers a JWT signed by its usual keys,
``sub = "service:<caller>"``, ``aud = <called service>``, ``roles = ["service"]``, valid
a few minutes. The called service verifies it like any access token (``ms_platform.auth``).

``CachedServiceTokens`` keeps each audience's token until shortly before it expires, one
fetch at a time per audience; ``ClientCredentials`` fetches from identity; identity itself
signs its own (``identity.adapters.tokens.LocalServiceTokens``).
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections import defaultdict

import structlog
from pydantic import SecretStr

from ms_platform.http_client import ServiceClient, UpstreamUnavailable
from ms_platform.settings import ServiceSettings

log = structlog.get_logger()

SERVICE_TOKENS_PATH = "/internal/v1/service-tokens"


class CachedServiceTokens:
    """A token per audience, minted again ``refresh_margin_s`` before it expires."""

    def __init__(self, refresh_margin_s: float = 30.0) -> None:
        self._margin_s = refresh_margin_s
        self._tokens: dict[str, tuple[str, float]] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def token(self, audience: str) -> str:
        cached = self._fresh(audience)
        if cached is not None:
            return cached
        async with self._locks[audience]:  # callers arriving together share one fetch
            cached = self._fresh(audience)
            if cached is None:
                cached, ttl_s = await self._mint(audience)
                self._tokens[audience] = (cached, time.monotonic() + ttl_s)
            return cached

    def forget(self, audience: str) -> None:
        """Drop the audience's token (it was refused): the next call gets a new one."""
        self._tokens.pop(audience, None)

    def _fresh(self, audience: str) -> str | None:
        cached = self._tokens.get(audience)
        if cached is not None and cached[1] - self._margin_s > time.monotonic():
            return cached[0]
        return None

    async def _mint(self, audience: str) -> tuple[str, float]:
        """A new token for ``audience`` and how many seconds it lives."""
        raise NotImplementedError

    async def close(self) -> None:
        pass


class ClientCredentials(CachedServiceTokens):
    """Service tokens from identity, for the service ``client_id`` holding ``secret``."""

    def __init__(self, url: str, client_id: str, secret: SecretStr, *, timeout_s: float = 2.0,
                 http: ServiceClient | None = None) -> None:
        super().__init__()
        self._url = url
        self._client_id = client_id
        self._secret = secret
        self._http = http or ServiceClient("identity", timeout_s=timeout_s)

    async def _mint(self, audience: str) -> tuple[str, float]:
        response = await self._http.post(
            self._url, json={"audience": audience}, idempotent=True,  # minting twice is harmless
            headers={"authorization": _basic(self._client_id, self._secret)},
        )
        if response.status_code != 200:
            # A refused secret is a deployment mistake: loud in the logs, a 503 for the caller.
            log.error("service_tokens.refused", client_id=self._client_id, audience=audience,
                      status=response.status_code)
            raise UpstreamUnavailable("identity", f"service token refused ({response.status_code})")
        try:
            body = response.json()
            return str(body["access_token"]), float(body["expires_in"])
        except (ValueError, KeyError, TypeError) as exc:
            raise UpstreamUnavailable("identity", "malformed service token answer") from exc

    async def close(self) -> None:
        await self._http.close()


def _basic(client_id: str, secret: SecretStr) -> str:
    raw = f"{client_id}:{secret.get_secret_value()}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def client_credentials(settings: ServiceSettings) -> ClientCredentials:
    """This service's token source, from its settings (``<PREFIX>SERVICE_SECRET``, ``SERVICE_TOKENS_URL``)."""
    return ClientCredentials(settings.service_tokens_url, settings.service_name, settings.service_client_secret())
