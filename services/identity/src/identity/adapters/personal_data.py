"""HTTP clients to every context's ``GET /internal/v1/personal-data`` (ID-11 export)."""

from __future__ import annotations

import uuid

import structlog

from ms_platform.http_client import ServiceClient, TokenSource, UpstreamUnavailable

log = structlog.get_logger()


class PersonalDataClients:
    """One base URL per context; each answers what it holds about a person."""

    def __init__(self, urls: dict[str, str], timeout_s: float, tokens: TokenSource) -> None:
        self._clients = {context: ServiceClient(context, url, timeout_s=timeout_s, tokens=tokens)
                         for context, url in urls.items()}

    @property
    def contexts(self) -> list[str]:
        return list(self._clients)

    async def fetch(self, context: str, account_id: uuid.UUID, person_id: uuid.UUID | None) -> dict:
        """The context's ``data``; 503 naming the context when it cannot answer."""
        params = {"account_id": str(account_id)}
        if person_id is not None:
            params["person_id"] = str(person_id)
        try:
            response = await self._clients[context].get("/internal/v1/personal-data", params=params)
        except UpstreamUnavailable as exc:
            raise _unavailable(context, exc.reason) from exc
        if response.status_code != 200:
            log.warning("personal_data.unexpected_answer", context=context, status=response.status_code)
            raise _unavailable(context, f"status {response.status_code}")
        try:
            return response.json()["data"]
        except (ValueError, KeyError, TypeError) as exc:
            raise _unavailable(context, "malformed answer") from exc

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()


def _unavailable(context: str, reason: str) -> UpstreamUnavailable:
    return UpstreamUnavailable(
        context, reason,
        f"L'export de vos données est momentanément impossible : le service « {context} » ne répond pas. "
        "Veuillez réessayer dans quelques minutes.",
    )
