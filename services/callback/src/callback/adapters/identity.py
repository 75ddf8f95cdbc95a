"""Registering an accepted partner's firm at identity (BR-5, ADR 0013): POST /v1/broker-firms with
the operator's own token (identity checks the operator's session, as for any operator's call).

Called before the decision's transaction opens, with a timeout; identity away is a 503, never a
guess. Identity's refusals (ORIAS already registered, the email another space's, an unknown
offer) come back as the operator's refusal, with identity's French detail.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import structlog

from ms_platform.errors import Conflict, InvalidInput, Unavailable

log = structlog.get_logger()


class FirmNotRegistered(Conflict):
    code = "firm-not-registered"
    title = "Firm not registered"


class IdentityClient:
    def __init__(self, base_url: str, timeout_s: float, client: httpx.AsyncClient | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=timeout_s)

    async def register_firm(self, bearer_token: str, firm: dict[str, Any]) -> uuid.UUID:
        try:
            response = await self._client.post(f"{self._base}/v1/broker-firms", json=firm,
                                               headers={"Authorization": f"Bearer {bearer_token}"})
        except httpx.HTTPError as exc:
            log.warning("identity.unreachable", error=type(exc).__name__)
            raise Unavailable("Le cabinet ne peut pas être enregistré pour le moment. Réessayez dans quelques "
                              "instants.", dependency="identity") from exc
        if response.status_code == 201:
            return uuid.UUID(response.json()["id"])
        problem = _problem(response)
        detail = str(problem.get("detail") or "Le cabinet n'a pas pu être enregistré.")
        if response.status_code == 422 and str(problem.get("field", "")).startswith("offers"):
            raise InvalidInput(detail, field=str(problem["field"]))
        if response.status_code in (409, 422):
            raise FirmNotRegistered(detail, field=problem.get("field"))
        log.warning("identity.unexpected_answer", status=response.status_code)
        raise Unavailable("Le cabinet ne peut pas être enregistré pour le moment.", dependency="identity")

    async def aclose(self) -> None:
        await self._client.aclose()


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
