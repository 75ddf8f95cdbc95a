"""POST /internal/v1/service-tokens, and a token from it accepted by the running services."""

from __future__ import annotations

import os
import uuid

import httpx
from pydantic import SecretStr

from ms_platform.http_client import ServiceClient
from ms_platform.service_tokens import ClientCredentials
from ms_platform.settings import development_service_secret


def _secret(service: str) -> SecretStr:
    """The secret var/local.env gives the service, else its documented development one."""
    return SecretStr(os.environ.get(f"{service.upper()}_SERVICE_SECRET") or development_service_secret(service))


def _credentials(app, service: str, secret: SecretStr) -> ClientCredentials:
    http = ServiceClient("identity", "http://identity", transport=httpx.ASGITransport(app=app))
    return ClientCredentials("/internal/v1/service-tokens", service, secret, http=http)


async def test_a_service_token_from_identity_opens_another_service_s_internal_routes(app):
    tokens = _credentials(app, "notify", _secret("notify"))
    try:
        async with ServiceClient("contracts", app.state.settings.contracts_url, tokens=tokens) as contracts:
            r = await contracts.get("/internal/v1/personal-data", params={"account_id": str(uuid.uuid4())})
    finally:
        await tokens.close()
    assert r.status_code == 200 and r.json()["context"] == "contracts"


async def test_a_wrong_secret_gets_no_token(client):
    r = await client.post("/internal/v1/service-tokens", json={"audience": "contracts"},
                          auth=("notify", "not-the-secret"))
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"


async def test_no_credentials_get_no_token(client):
    r = await client.post("/internal/v1/service-tokens", json={"audience": "contracts"})
    assert r.status_code == 401


async def test_a_token_for_a_service_that_does_not_exist_is_refused(client):
    r = await client.post("/internal/v1/service-tokens", json={"audience": "nowhere"},
                          auth=("notify", _secret("notify").get_secret_value()))
    assert r.status_code == 422 and r.json()["field"] == "audience"
