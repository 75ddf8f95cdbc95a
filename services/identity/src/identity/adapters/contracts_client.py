"""HTTP client to the contracts context: is this person the holder of a contract in force?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import structlog

from ms_platform.http_client import ServiceClient, TokenSource, UpstreamUnavailable

log = structlog.get_logger()


@dataclass(frozen=True)
class VerifiedHolder:
    contract_id: str
    contract_number: str
    category: str
    member_number: str
    holder_id: str


class ContractsClient:
    def __init__(self, base_url: str, timeout_s: float, tokens: TokenSource) -> None:
        self._http = ServiceClient("contracts", base_url, timeout_s=timeout_s, tokens=tokens)

    async def verify_holder(
        self, contract_number: str, last_name: str, first_name: str, birth_date: date
    ) -> VerifiedHolder | None:
        """The holder's contract when name, birth date and number match one in force; else None."""
        response = await self._http.post(
            "/internal/v1/holder-verifications",
            json={"contract_number": contract_number, "last_name": last_name,
                  "first_name": first_name, "birth_date": birth_date.isoformat()},
            idempotent=True,  # a check that writes nothing: safe to send again
        )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            log.warning("contracts.unexpected_answer", status=response.status_code)
            raise UpstreamUnavailable("contracts", f"status {response.status_code}")
        body = response.json()
        return VerifiedHolder(
            contract_id=body["contract_id"], contract_number=body["contract_number"],
            category=body["category"], member_number=body["member_number"], holder_id=body["holder_id"],
        )

    async def close(self) -> None:
        await self._http.close()
