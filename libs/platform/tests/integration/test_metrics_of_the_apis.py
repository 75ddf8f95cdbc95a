"""Every running API serves its Prometheus metrics on its own port, never through the gateway."""

from __future__ import annotations

import re
import socket
import uuid
from urllib.parse import urlsplit

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ms_platform.testing import gateway_url, setting

pytestmark = pytest.mark.integration

SERVICES = ("identity", "contracts", "notify")


def _api(service: str) -> str:
    return f"http://127.0.0.1:{setting(f'{service.upper()}_API_PORT')}"


def _samples(text: str) -> list:
    return [s for family in text_string_to_metric_families(text) for s in family.samples]


def _public_route(document: dict) -> tuple[str, str]:
    """A route of the public document and one of its methods, one with a path parameter where
    there is one (GET first): asked without a token, it is refused before doing anything."""
    routes = [(path, method.upper()) for path, item in sorted(document["paths"].items()) for method in item]
    return min(routes, key=lambda r: ("{" not in r[0], r[1] != "GET"))


@pytest.mark.parametrize("service", SERVICES)
async def test_an_api_serves_its_red_series_by_route_template_and_its_pool_gauges(service: str):
    async with httpx.AsyncClient(base_url=_api(service), timeout=10) as client:
        template, method = _public_route((await client.get("/openapi.json")).json())
        raw = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), template)
        status = (await client.request(method, raw)).status_code
        answer = await client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    samples = [s for s in _samples(answer.text) if s.labels.get("service") == service]

    requests = {(s.labels["method"], s.labels["route"], s.labels["status"]): s.value
                for s in samples if s.name == "http_requests_total"}
    assert requests[(method, template, str(status))] >= 1
    assert requests[("GET", "/openapi.json", "200")] >= 1
    assert not [route for _, route, _ in requests if route == raw and raw != template]  # never the raw path
    durations = {s.labels["route"]: s.value for s in samples if s.name == "http_request_duration_seconds_count"}
    assert durations[template] >= 1

    pool = {s.labels["state"]: s.value for s in samples
            if s.name == "db_pool_connections" and s.labels["process"] == "api"}
    assert set(pool) == {"size", "idle", "in_use", "max"}
    assert 1 <= pool["size"] <= pool["max"] and pool["in_use"] == pool["size"] - pool["idle"]


def _raw_get(url: str, target: str) -> tuple[int, bytes]:
    """GET ``target`` exactly as written (no client normalises its dots or escapes)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port or 80), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize("target", ["/metrics", "/metrics/", "/v1/me/../../metrics", "/v1/me/..%2F..%2Fmetrics",
                                    "/v1/contracts/%2e%2e/%2e%2e/metrics", "/identity/metrics"])
def test_no_api_metrics_are_reachable_through_the_gateway(target: str):
    status, body = _raw_get(gateway_url(), target)
    assert status in (400, 404), (target, status)
    assert b"http_requests_total" not in body and b"db_pool_connections" not in body
