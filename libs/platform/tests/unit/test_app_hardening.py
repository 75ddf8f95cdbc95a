"""The app factory's answers are safe to serve to the Internet (issue 11, findings 7, 8, 9, 11)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from fastapi import APIRouter, Response
from pydantic import BaseModel

from ms_platform.app import create_app
from ms_platform.problems import PROBLEM_MEDIA_TYPE
from ms_platform.settings import ServiceSettings
from ms_platform.testing import free_port

SECURITY = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
            "content-security-policy": "frame-ancestors 'none'"}


class SecretThing(BaseModel):
    holder: str


class _Connection:
    async def fetchval(self, query: str) -> int:
        return 1


class _Pool:
    """Stands in for the asyncpg pool: the database answers."""

    @asynccontextmanager
    async def acquire(self):
        yield _Connection()


def _router() -> APIRouter:
    router = APIRouter()

    @router.get("/v1/things")
    async def things() -> list[dict]:
        return [{"id": 1}]

    @router.get("/v1/public-keys")
    async def keys(response: Response) -> dict:
        response.headers["Cache-Control"] = "public, max-age=300"
        return {"keys": []}

    @router.post("/internal/v1/secret-things")
    async def internal(body: SecretThing) -> dict:
        return {}

    return router


def _app():
    settings = ServiceSettings(database_url="postgresql://test:test@127.0.0.1:5432/test", service_name="things",
                               MS_ENVIRONMENT="test")
    return create_app(settings, title="things", routers=[_router()])


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_a_trailing_slash_is_a_problem_json_404_never_a_redirect_built_from_the_host_header():
    async with _client(_app()) as client:
        r = await client.get("/v1/things/", headers={"Host": "evil.example"})
    assert r.status_code == 404
    assert "location" not in r.headers
    assert r.headers["content-type"] == PROBLEM_MEDIA_TYPE


async def test_every_api_answer_carries_no_store_nosniff_no_referrer_and_no_framing():
    async with _client(_app()) as client:
        answers = [await client.get("/v1/things"), await client.get("/v1/nothing-here"),
                   await client.post("/v1/things")]
    assert [a.status_code for a in answers] == [200, 404, 405]
    for answer in answers:
        assert answer.headers["cache-control"] == "no-store"
        for name, value in SECURITY.items():
            assert answer.headers.get_list(name) == [value], (answer.request.url, name)


async def test_a_route_that_chose_its_cache_policy_keeps_it_and_the_public_document_may_be_cached():
    async with _client(_app()) as client:
        keys = await client.get("/v1/public-keys")
        document = await client.get("/openapi.json")
    assert keys.headers["cache-control"] == "public, max-age=300"
    assert document.headers["cache-control"] == "public, max-age=300"
    assert document.headers["x-content-type-options"] == "nosniff"


async def test_the_public_openapi_document_leaves_out_internal_routes_and_the_internal_one_keeps_them():
    async with _client(_app()) as client:
        public = (await client.get("/openapi.json")).json()
        internal = (await client.get("/internal/openapi.json")).json()
    assert "/v1/things" in public["paths"]
    assert not [path for path in public["paths"] if path.startswith("/internal/")]
    assert "/internal/v1/secret-things" in internal["paths"] and "/v1/things" in internal["paths"]
    assert "SecretThing" in internal["components"]["schemas"]
    assert "SecretThing" not in public.get("components", {}).get("schemas", {})


async def test_the_public_health_answer_says_only_up_or_down_and_names_no_dependency():
    app = _app()
    app.state.settings = ServiceSettings(database_url="postgresql://test:test@127.0.0.1:5432/test",
                                         MS_ENVIRONMENT="test", KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1")
    async with _client(app) as client:
        app.state.pool = _Pool()
        up = await client.get("/health/public")
        app.state.pool = None  # the database is away
        down = await client.get("/health/public")
        detailed = await client.get("/health/ready")
    assert up.status_code == 200 and up.json() == {"status": "up"}
    assert down.status_code == 503 and down.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert down.json()["health"] == "down"
    assert "database" not in down.text and "kafka" not in down.text
    # The detailed readiness stays on the service's own port, for its probes.
    assert detailed.json()["checks"]["database"] == "failing"


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(request)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


@pytest.fixture
def served_app():
    """The app served by uvicorn with the protocol run_api uses."""
    port = free_port()
    config = uvicorn.Config(_app(), host="127.0.0.1", port=port, lifespan="off", log_level="critical",
                            access_log=False, http="ms_platform.app:ProblemHttpToolsProtocol")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(10)


@pytest.mark.parametrize("request_bytes", [
    b"GET /v1/things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\x01\r\nConnection: close\r\n\r\n",
    b"GET /v1/things HTTP/1.1\r\nHost: x\r\nX-Anything: a\x7fb\r\nConnection: close\r\n\r\n",
    b"FOO /v1/things HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
], ids=["control byte in content-type", "DEL in another header", "unknown method"])
def test_a_request_uvicorn_cannot_parse_is_answered_with_a_problem_json_400(served_app, request_bytes):
    answer = _raw(served_app, request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    assert lines[0].startswith("HTTP/1.1 400")
    assert headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert headers["x-content-type-options"] == "nosniff"
    assert int(headers["content-length"]) == len(body)
    assert json.loads(body)["status"] == 400


def test_run_api_serves_with_the_protocol_whose_parse_errors_are_problem_json(monkeypatch):
    from ms_platform import app as app_module

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    settings = ServiceSettings(database_url="postgresql://test:test@127.0.0.1:5432/test", MS_ENVIRONMENT="test")
    app_module.run_api("things:create_app", settings)
    assert seen["http"] == "ms_platform.app:ProblemHttpToolsProtocol"
    assert seen["proxy_headers"] is True and seen["forwarded_allow_ips"] == "127.0.0.1"
