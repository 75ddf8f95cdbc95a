"""HTTP clients to every context's ``GET /internal/v1/personal-data`` (ID-11 export)."""

from __future__ import annotations

import uuid

import httpx
import structlog

from identity.adapters.tokens import TokenIssuer
from ms_platform.problems import ServiceUnavailable

log = structlog.get_logger()


class PersonalDataClients:
    """One base URL per context; each answers what it holds about a person."""

    def __init__(self, urls: dict[str, str], timeout_s: float, issuer: TokenIssuer) -> None:
        self._urls = dict(urls)
        self._issuer = issuer
        self._client = httpx.AsyncClient(timeout=timeout_s)

    @property
    def contexts(self) -> list[str]:
        return list(self._urls)

    async def fetch(self, context: str, account_id: uuid.UUID, person_id: uuid.UUID | None) -> dict:
        """The context's ``data``; 503 naming the context when it cannot answer."""
        params = {"account_id": str(account_id)}
        if person_id is not None:
            params["person_id"] = str(person_id)
        token = self._issuer.service_token(context, ttl_s=60)
        try:
            response = await self._client.get(
                f"{self._urls[context]}/internal/v1/personal-data", params=params,
                headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            log.warning("personal_data.unreachable", context=context, error=type(exc).__name__)
            raise _unavailable(context) from exc
        if response.status_code != 200:
            log.warning("personal_data.unexpected_answer", context=context, status=response.status_code)
            raise _unavailable(context)
        try:
            return response.json()["data"]
        except (ValueError, KeyError, TypeError) as exc:
            raise _unavailable(context) from exc

    async def close(self) -> None:
        await self._client.aclose()


def _unavailable(context: str) -> ServiceUnavailable:
    return ServiceUnavailable(
        context,
        f"L'export de vos données est momentanément impossible : le service « {context} » ne répond pas. "
        "Veuillez réessayer dans quelques minutes.",
    )
