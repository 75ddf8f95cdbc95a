"""HTTP client to the contracts context: is this person the holder of a contract in force?"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import httpx
import structlog

from identity.adapters.tokens import TokenIssuer
from ms_platform.problems import ServiceUnavailable

log = structlog.get_logger()


@dataclass(frozen=True)
class VerifiedHolder:
    contract_id: str
    contract_number: str
    category: str
    member_number: str
    holder_id: str


class ContractsClient:
    def __init__(self, base_url: str, timeout_s: float, issuer: TokenIssuer) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout_s)
        self._issuer = issuer
        self._token: tuple[str, float] | None = None

    def _service_token(self) -> str:
        if self._token is None or self._token[1] < time.monotonic() + 30:
            self._token = (self._issuer.service_token("contracts", ttl_s=300), time.monotonic() + 300)
        return self._token[0]

    async def verify_holder(
        self, contract_number: str, last_name: str, first_name: str, birth_date: date
    ) -> VerifiedHolder | None:
        """The holder's contract when name, birth date and number match one in force; else None."""
        try:
            response = await self._client.post(
                "/internal/v1/holder-verifications",
                json={"contract_number": contract_number, "last_name": last_name,
                      "first_name": first_name, "birth_date": birth_date.isoformat()},
                headers={"Authorization": f"Bearer {self._service_token()}"},
            )
        except httpx.HTTPError as exc:
            log.warning("contracts.unreachable", error=type(exc).__name__)
            raise ServiceUnavailable("contracts") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            log.warning("contracts.unexpected_answer", status=response.status_code)
            raise ServiceUnavailable("contracts")
        body = response.json()
        return VerifiedHolder(
            contract_id=body["contract_id"], contract_number=body["contract_number"],
            category=body["category"], member_number=body["member_number"], holder_id=body["holder_id"],
        )

    async def close(self) -> None:
        await self._client.aclose()
