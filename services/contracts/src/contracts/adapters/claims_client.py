"""HTTP client to claims (ADR 0007, contracts' service token): the latest statement lines the
member's home summary shows (CL-1). The home page answers without them when claims is away."""

from __future__ import annotations

import uuid
from typing import Any

import structlog

from ms_platform.http_client import ServiceClient, TokenSource, UpstreamUnavailable

log = structlog.get_logger()


class ClaimsClient:
    def __init__(self, base_url: str, timeout_s: float, tokens: TokenSource) -> None:
        # One attempt within a short deadline: the home page does not wait on claims.
        self._http = ServiceClient("claims", base_url, timeout_s=timeout_s, attempts=1, tokens=tokens)

    async def latest_statements(self, holder_ids: list[uuid.UUID], limit: int) -> list[dict[str, Any]]:
        response = await self._http.get("/internal/v1/latest-statements",
                                        params={"holder_id": [str(h) for h in holder_ids], "limit": limit})
        if response.status_code != 200:
            log.warning("claims.unexpected_answer", status=response.status_code)
            raise UpstreamUnavailable("claims", f"status {response.status_code}")
        return response.json()["items"]

    async def close(self) -> None:
        await self._http.close()
