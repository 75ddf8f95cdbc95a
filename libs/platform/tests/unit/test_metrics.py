"""Prometheus metrics of the app factory and of the probe server (ms_platform.metrics)."""

from __future__ import annotations

import uuid

import httpx
from fastapi import APIRouter, HTTPException
from prometheus_client.parser import text_string_to_metric_families

from ms_platform.app import create_app
from ms_platform.metrics import REGISTRY, track_pool
from ms_platform.probe import Liveness, probe_app
from ms_platform.settings import ServiceSettings


def _router() -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.get("/things/{thing_id}")
    async def thing(thing_id: int) -> dict:
        if thing_id == 404:
            raise HTTPException(404)
        if thing_id == 500:
            raise RuntimeError("a bug")
        return {"id": thing_id}

    return router


def _app(service: str):
    settings = ServiceSettings(database_url="postgresql://test:test@127.0.0.1:5432/test", service_name=service,
                               MS_ENVIRONMENT="test")
    return create_app(settings, title=service, routers=[_router()])


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                             base_url="http://testserver")


def _requests(service: str, method: str, route: str, status: int) -> float | None:
    return REGISTRY.get_sample_value("http_requests_total", {
        "service": service, "method": method, "route": route, "status": str(status)})


def _service() -> str:
    return f"svc{uuid.uuid4().hex[:8]}"  # the registry is the process's: each test its own series


async def test_a_request_to_a_templated_route_is_counted_under_its_template_not_its_raw_path():
    service = _service()
    async with _client(_app(service)) as client:
        await client.get("/v1/things/1")
        await client.get("/v1/things/2")
    assert _requests(service, "GET", "/v1/things/{thing_id}", 200) == 2
    assert _requests(service, "GET", "/v1/things/1", 200) is None
    duration = {"service": service, "method": "GET", "route": "/v1/things/{thing_id}"}
    assert REGISTRY.get_sample_value("http_request_duration_seconds_count", duration) == 2
    assert REGISTRY.get_sample_value("http_request_duration_seconds_bucket", {**duration, "le": "+Inf"}) == 2


async def test_a_path_no_route_matches_is_counted_as_unmatched_whatever_the_path():
    service = _service()
    async with _client(_app(service)) as client:
        await client.get("/wp-admin/setup.php")
        await client.get(f"/v1/{uuid.uuid4()}")
    assert _requests(service, "GET", "unmatched", 404) == 2
    series = [s for family in REGISTRY.collect() for s in family.samples if s.labels.get("service") == service]
    assert {s.labels["route"] for s in series} == {"unmatched"}


async def test_each_status_of_a_route_is_its_own_series_errors_included():
    service = _service()
    async with _client(_app(service)) as client:
        statuses = [(await client.get(f"/v1/things/{n}")).status_code for n in ("7", "404", "500", "seven")]
        await client.post("/v1/things/7")
    assert statuses == [200, 404, 500, 422]
    for status in statuses:
        assert _requests(service, "GET", "/v1/things/{thing_id}", status) == 1, status
    assert _requests(service, "POST", "/v1/things/{thing_id}", 405) == 1


async def test_the_openapi_document_and_docs_pages_are_counted_under_their_own_routes():
    service = _service()
    async with _client(_app(service)) as client:
        await client.get("/openapi.json")
        await client.get("/docs")
    assert _requests(service, "GET", "/openapi.json", 200) == 1
    assert _requests(service, "GET", "/docs", 200) == 1
    assert _requests(service, "GET", "unmatched", 200) is None


async def test_a_method_the_apis_do_not_use_is_counted_as_other():
    service = _service()
    async with _client(_app(service)) as client:
        await client.request("PROPFIND", "/v1/things/7")
    assert _requests(service, "other", "/v1/things/{thing_id}", 405) == 1
    assert _requests(service, "PROPFIND", "/v1/things/{thing_id}", 405) is None


async def test_the_api_serves_its_metrics_in_the_prometheus_text_format_outside_its_openapi_document():
    service = _service()
    async with _client(_app(service)) as client:
        await client.get("/v1/things/3")
        answer = await client.get("/metrics")
        document = (await client.get("/openapi.json")).json()
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    families = {f.name: f for f in text_string_to_metric_families(answer.text)}
    samples = [s for s in families["http_requests"].samples if s.labels["service"] == service]
    assert [(s.labels["route"], s.labels["status"], s.value) for s in samples] == [("/v1/things/{thing_id}", "200", 1.0)]
    assert "/metrics" not in document["paths"]


async def test_openmetrics_is_served_to_a_scraper_that_asks_for_it():
    async with _client(_app(_service())) as client:
        answer = await client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert answer.headers["content-type"].startswith("application/openmetrics-text")
    assert answer.text.rstrip().endswith("# EOF")


class _Pool:
    def get_size(self) -> int:
        return 4

    def get_idle_size(self) -> int:
        return 1

    def get_max_size(self) -> int:
        return 10


def test_a_tracked_pool_reports_its_size_idle_in_use_and_max_connections_until_untracked():
    service = _service()
    untrack = track_pool(_Pool(), service, "api")  # type: ignore[arg-type]

    def state(name: str) -> float | None:
        return REGISTRY.get_sample_value("db_pool_connections", {"service": service, "process": "api", "state": name})

    assert [state(s) for s in ("size", "idle", "in_use", "max")] == [4, 1, 3, 10]
    untrack()
    assert state("size") is None


async def test_the_probe_server_serves_metrics_next_to_health_live():
    service = _service()
    untrack = track_pool(_Pool(), service, "worker")  # type: ignore[arg-type]
    try:
        async with _client(probe_app(Liveness())) as client:
            live = await client.get("/health/live")
            answer = await client.get("/metrics")
    finally:
        untrack()
    assert live.status_code == 200
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(answer.text)}
    pool = [s for s in families["db_pool_connections"].samples if s.labels["service"] == service]
    assert {s.labels["state"]: s.value for s in pool} == {"size": 4, "idle": 1, "in_use": 3, "max": 10}
