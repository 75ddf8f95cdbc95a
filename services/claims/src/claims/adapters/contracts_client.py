"""HTTP client to contracts (ADR 0007, claims' service token): the guarantee a processed claim's
amounts are computed under, and the holder the care is recorded for."""

from __future__ import annotations

from typing import Any

import structlog

from ms_platform.http_client import ServiceClient, TokenSource, UpstreamUnavailable

log = structlog.get_logger()


class ContractsClient:
    def __init__(self, base_url: str, timeout_s: float, tokens: TokenSource) -> None:
        self._http = ServiceClient("contracts", base_url, timeout_s=timeout_s, tokens=tokens)

    async def claim_terms(self, contract_number: str, care_type: str) -> dict[str, Any] | None:
        """The contract's guarantee for the care (``guarantee`` null when none) and its holder; None
        when contracts has no such contract."""
        response = await self._http.get("/internal/v1/claim-terms",
                                        params={"contract_number": contract_number, "care_type": care_type})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            log.warning("contracts.unexpected_answer", status=response.status_code)
            raise UpstreamUnavailable("contracts", f"status {response.status_code}")
        return response.json()

    async def close(self) -> None:
        await self._http.close()
