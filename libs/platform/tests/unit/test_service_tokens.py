"""Service tokens: cached per audience, fetched from identity with the service's secret."""

from __future__ import annotations

import asyncio
import base64
import json

import httpx
import pytest
from pydantic import SecretStr

from ms_platform.auth import Principal, Role, require_service
from ms_platform.http_client import ServiceClient, UpstreamUnavailable
from ms_platform.problems import Forbidden
from ms_platform.service_tokens import CachedServiceTokens, ClientCredentials


class Counting(CachedServiceTokens):
    def __init__(self, ttl_s: float) -> None:
        super().__init__(refresh_margin_s=30)
        self.ttl_s, self.minted = ttl_s, 0

    async def _mint(self, audience):
        self.minted += 1
        await asyncio.sleep(0)
        return f"{audience}-{self.minted}", self.ttl_s


async def test_a_token_is_reused_until_shortly_before_it_expires():
    tokens = Counting(ttl_s=300)
    assert [await tokens.token("contracts") for _ in range(3)] == ["contracts-1"] * 3
    short = Counting(ttl_s=10)  # inside the refresh margin: never reused
    assert [await short.token("contracts") for _ in range(2)] == ["contracts-1", "contracts-2"]


async def test_callers_arriving_together_share_one_fetch():
    tokens = Counting(ttl_s=300)
    assert set(await asyncio.gather(*(tokens.token("notify") for _ in range(10)))) == {"notify-1"}


async def test_a_forgotten_token_is_fetched_again():
    tokens = Counting(ttl_s=300)
    await tokens.token("notify")
    tokens.forget("notify")
    assert await tokens.token("notify") == "notify-2"


def _identity(status: int, seen: list):
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json={"access_token": "jwt", "token_type": "Bearer", "expires_in": 300})
    http = ServiceClient("identity", transport=httpx.MockTransport(answer))
    return ClientCredentials("http://identity/internal/v1/service-tokens", "notify", SecretStr("s3cret"), http=http)


async def test_client_credentials_show_the_service_name_and_secret_and_name_the_audience():
    seen: list[httpx.Request] = []
    assert await _identity(200, seen).token("contracts") == "jwt"
    assert seen[0].headers["authorization"] == "Basic " + base64.b64encode(b"notify:s3cret").decode()
    assert json.loads(seen[0].content) == {"audience": "contracts"}


async def test_a_refused_secret_is_a_503_naming_identity():
    with pytest.raises(UpstreamUnavailable) as refused:
        await _identity(401, []).token("contracts")
    assert refused.value.service == "identity"


def _principal(subject: str, roles: set[str]) -> Principal:
    return Principal(subject=subject, roles=frozenset(roles), token_id="j")


async def test_internal_routes_let_service_tokens_through_and_can_name_the_callers():
    only_identity = require_service("identity").dependency
    caller = _principal("service:identity", {Role.SERVICE})
    assert await only_identity(caller) is caller
    with pytest.raises(Forbidden):
        await only_identity(_principal("service:notify", {Role.SERVICE}))


async def test_a_member_token_is_not_a_service_principal():
    with pytest.raises(Forbidden):
        await require_service().dependency(_principal("acc-1", {Role.MEMBER}))
    assert _principal("service:notify", {Role.MEMBER}).calling_service is None
