"""The carrier taking children to school (AS-8): its HTTP API. On the local stack, the stand-in
deploy/local/carrier_standin.py answers it.

    POST   /v1/trips          {"reference", "child_first_name", "pickup_at", "from": {...}, "to": {...}}
                              → 201 {"id": "<carrier's id>"}   (the same reference again: 200, same id)
    DELETE /v1/trips/<id>     → 204 (cancelled)
"""

from __future__ import annotations

from typing import Any

import httpx


class CarrierError(RuntimeError):
    pass


class CarrierClient:
    def __init__(self, base_url: str, api_key: str, timeout_s: float, client: httpx.AsyncClient | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._client = client or httpx.AsyncClient(timeout=timeout_s)

    async def send(self, trip: dict[str, Any]) -> str:
        response = await self._client.post(f"{self._base}/v1/trips", json=trip, headers=self._headers)
        if response.status_code not in (200, 201):
            raise CarrierError(f"carrier answered {response.status_code}")
        return str(response.json()["id"])

    async def cancel(self, carrier_id: str) -> None:
        response = await self._client.delete(f"{self._base}/v1/trips/{carrier_id}", headers=self._headers)
        if response.status_code not in (204, 404):
            raise CarrierError(f"carrier answered {response.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()
