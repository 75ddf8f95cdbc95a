"""The children on a member's contract, asked of contracts' API with the member's own token (AS-8).

Contracts answers the beneficiaries of a contract the caller may see, 404 otherwise; the answer is
the fresh truth (a child added a minute ago counts). Called before any transaction opens, with a
timeout; contracts away is a 503, never a guess.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import structlog

from ms_platform.errors import Unavailable

log = structlog.get_logger()


class ContractsClient:
    def __init__(self, base_url: str, timeout_s: float, client: httpx.AsyncClient | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=timeout_s)

    async def children(self, contract_id: uuid.UUID, bearer_token: str) -> list[dict[str, Any]]:
        """The contract's beneficiaries whose relationship is child ([] when it is not the member's)."""
        try:
            response = await self._client.get(f"{self._base}/v1/contracts/{contract_id}/beneficiaries",
                                              headers={"Authorization": f"Bearer {bearer_token}"})
        except httpx.HTTPError as exc:
            log.warning("contracts.unreachable", error=type(exc).__name__)
            raise Unavailable("Les bénéficiaires de votre contrat ne peuvent pas être vérifiés pour le moment. "
                              "Réessayez dans quelques instants.", dependency="contracts") from exc
        if response.status_code in (403, 404):
            return []
        if response.status_code != 200:
            log.warning("contracts.unexpected_answer", status=response.status_code)
            raise Unavailable("Les bénéficiaires de votre contrat ne peuvent pas être vérifiés pour le moment.",
                              dependency="contracts")
        return [b for b in response.json() if b.get("relationship") == "child"]

    async def aclose(self) -> None:
        await self._client.aclose()
