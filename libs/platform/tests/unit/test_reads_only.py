"""A POST marked reads-only (``openapi_extra={READS_ONLY: True}``) answers without waiting for the
process's caches to catch up; every other write waits (ms_platform.app.reads_only)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from ms_platform import app as platform_app
from ms_platform.app import READS_ONLY, RequestContextMiddleware


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(RequestContextMiddleware, service="svcreadsonly", metrics=False)

    @app.post("/v1/pricings", openapi_extra={READS_ONLY: True})
    async def pricing() -> dict:
        return {"monthly_eur": "10.00"}

    @app.post("/v1/quotes")
    async def quote() -> dict:
        return {"id": "q"}

    return app


async def test_a_reads_only_post_waits_for_no_catch_up_and_a_write_does(monkeypatch):
    calls: list[str] = []

    async def caught_up() -> None:
        calls.append("caught_up")

    monkeypatch.setattr(platform_app, "caught_up_everywhere", caught_up)
    app = _app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        assert (await client.post("/v1/pricings")).status_code == 200
        assert calls == []
        assert (await client.post("/v1/quotes")).status_code == 200
        assert calls == ["caught_up"]
    assert app.openapi()["paths"]["/v1/pricings"]["post"][READS_ONLY] is True
