"""Is this contract the member's? Asked of contracts' API with the member's own token (CB-4).

Contracts answers 200 for a contract the caller may see and 404 otherwise; its answer is the
fresh truth (a contract added or ended a minute ago counts). Called before any transaction
opens, with a timeout; contracts away is a 503, never a guess.
"""

from __future__ import annotations

import uuid

import httpx
import structlog

from ms_platform.errors import Unavailable

log = structlog.get_logger()


class ContractsClient:
    def __init__(self, base_url: str, timeout_s: float, client: httpx.AsyncClient | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=timeout_s)

    async def is_members(self, contract_id: uuid.UUID, bearer_token: str) -> bool:
        try:
            response = await self._client.get(f"{self._base}/v1/contracts/{contract_id}",
                                              headers={"Authorization": f"Bearer {bearer_token}"})
        except httpx.HTTPError as exc:
            log.warning("contracts.unreachable", error=type(exc).__name__)
            raise Unavailable("Vos contrats ne peuvent pas être vérifiés pour le moment. Réessayez dans quelques "
                              "instants.", dependency="contracts") from exc
        if response.status_code == 200:
            return True
        if response.status_code in (403, 404):
            return False
        log.warning("contracts.unexpected_answer", status=response.status_code)
        raise Unavailable("Vos contrats ne peuvent pas être vérifiés pour le moment.", dependency="contracts")

    async def aclose(self) -> None:
        await self._client.aclose()
