"""Through the real gateway: what issue 11 found at the edge is closed (findings 5 to 9 and 11).

Rate limits here are the local stack's (deploy/gateway/rate-limits.local.conf): looser than
production's, yet a volley of unauthenticated writes still meets the 429.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections import Counter
from urllib.parse import urlsplit

import httpx
import pytest

from e2e_support import GATEWAY, PASSWORD, ROOT, sign_up_and_confirm, unique_email, wait_until

pytestmark = pytest.mark.e2e

PROBLEM = "application/problem+json"
FORGED = "203.0.113.66"
HOST, PORT = urlsplit(GATEWAY).hostname, urlsplit(GATEWAY).port
ACCESS_LOG = ROOT / "var/nginx/access.log"
SECURITY = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
            "content-security-policy": "frame-ancestors 'none'"}


def _raw(request: bytes) -> tuple[int, dict[str, list[str]], bytes]:
    """One request written byte for byte (what httpx refuses to send); status, headers, body."""
    with socket.create_connection((HOST, PORT), timeout=10) as s:
        s.sendall(request)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return int(lines[0].split()[1]), headers, body


def _volley(count: int, request: bytes) -> Counter:
    """``count`` requests sent at once on connections opened beforehand; statuses counted."""
    sockets = [socket.create_connection((HOST, PORT), timeout=30) for _ in range(count)]
    try:
        for s in sockets:
            s.sendall(request)
        statuses: Counter = Counter()
        for s in sockets:
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
            status = int(answer.split(b" ", 2)[1])
            statuses[status] += 1
            if status == 429:
                head, _, body = answer.partition(b"\r\n\r\n")
                assert b"application/problem+json" in head and b"Retry-After: 1" in head
                assert json.loads(body)["status"] == 429
        return statuses
    finally:
        for s in sockets:
            s.close()


@pytest.fixture(scope="module")
async def member(gateway, mailbox, registry) -> dict:
    """A confirmed member who signed in through the gateway claiming another address."""
    [person] = await registry.register(1)
    address = unique_email("hardening")
    await sign_up_and_confirm(gateway, mailbox, person, address)
    session = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD},
                                 headers={"X-Forwarded-For": FORGED, "X-Real-IP": FORGED})
    assert session.status_code == 201, session.text
    return {"address": address, "session": session, "token": session.json()["access_token"]}


# ---- 5 ---------------------------------------------------------------------------------------

def test_a_volley_of_writes_without_a_token_meets_the_gateways_429_on_a_route_no_service_declared_limited():
    # A prospect's quote request (contracts declares no limit): an empty body is a 422 from the
    # service, so nothing is stored or sent for the requests the gateway lets through. The
    # local zone drains 1000 a second after a burst of 50: a volley all checked within a few
    # milliseconds meets the 429; on a starved CPU nginx may check them more slowly, so up to
    # three volleys are sent.
    request = (b"POST /v1/contract-requests HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")
    volleys = []
    for _ in range(3):
        statuses = _volley(500, request)
        volleys.append(statuses)
        assert set(statuses) <= {422, 429}, statuses
        if statuses[429]:
            break
    assert volleys[-1][429] > 0, volleys


async def test_writes_without_a_token_go_through_the_gateways_limiter_and_reads_do_not(gateway):
    write_id, read_id = f"e2e-limit-write-{uuid.uuid4().hex}", f"e2e-limit-read-{uuid.uuid4().hex}"
    assert (await gateway.post("/v1/contract-requests", json={}, headers={"X-Request-ID": write_id})).status_code == 422
    assert (await gateway.get("/v1/contracts", headers={"X-Request-ID": read_id})).status_code == 401

    async def logged() -> dict | None:
        lines = {}
        for line in ACCESS_LOG.read_text().splitlines()[-5000:]:
            if write_id in line or read_id in line:
                entry = json.loads(line)
                lines[entry["request_id"]] = entry
        return lines if len(lines) == 2 else None

    entries = await wait_until(logged, timeout=10, interval=0.2, what="the gateway's access log lines")
    assert entries[write_id]["limit_req"] == "PASSED"  # counted in public_writes
    assert entries[read_id]["limit_req"] == ""  # no zone counts reads


# ---- 6 ---------------------------------------------------------------------------------------

async def test_a_forged_x_forwarded_for_is_recorded_as_the_real_address_in_the_security_log(gateway, member):
    auth = {"Authorization": f"Bearer {member['token']}", "X-Forwarded-For": FORGED}
    r = await gateway.get("/v1/security-events", headers=auth)
    assert r.status_code == 200, r.text
    events = r.json()
    events = events.get("events", events) if isinstance(events, dict) else events
    assert events, "the sign-in left no security event"
    assert FORGED not in r.text
    sign_ins = [e for e in events if e["kind"] == "sign_in.succeeded"]
    assert sign_ins and {e["client_ip"] for e in sign_ins} == {"127.0.0.1"}
    # Events recorded without a request (from Kafka) have no address; the others have the real one.
    assert {e["client_ip"] for e in events} - {None} == {"127.0.0.1"}


# ---- 7 ---------------------------------------------------------------------------------------

async def test_every_answer_carries_nosniff_no_referrer_and_no_framing_exactly_once(gateway, member):
    answers = [
        await gateway.get("/.well-known/jwks.json"),
        await gateway.get("/v1/me"),  # 401 from identity
        await gateway.get("/v1/me", headers={"Authorization": f"Bearer {member['token']}"}),
        await gateway.get("/v1/nowhere"),  # 404 from nginx
        await gateway.request("PROPFIND", "/v1/me"),  # 405 from nginx
        await gateway.post("/v1/contract-requests", json={}),  # 422 from contracts
        await gateway.get("/v1/notification-preferences"),  # 401 from notify
        await gateway.get("/openapi/identity.json"),
        await gateway.get("/health/contracts/ready"),
        await gateway.get("/health/gateway/live"),
    ]
    for answer in answers:
        where = (answer.request.method, answer.request.url.path, answer.status_code)
        for name, value in SECURITY.items():
            assert answer.headers.get_list(name) == [value], (where, name, answer.headers.get_list(name))
        assert len(answer.headers.get_list("cache-control")) == 1, where
        # Plain HTTP on the local stack: HSTS belongs where TLS ends (the Kubernetes variant).
        assert "strict-transport-security" not in answer.headers, where


async def test_token_and_personal_data_answers_are_never_stored_and_public_documents_may_be(gateway, member):
    auth = {"Authorization": f"Bearer {member['token']}"}
    no_store = [member["session"], await gateway.get("/v1/me", headers=auth),
                await gateway.get("/v1/me/export", headers=auth), await gateway.get("/v1/contracts", headers=auth),
                await gateway.get("/v1/nowhere"), await gateway.get("/v1/me")]
    for answer in no_store:
        assert answer.headers["cache-control"] == "no-store", (answer.request.url.path, answer.status_code)
    for path in ("/openapi/contracts.json", "/.well-known/jwks.json"):
        assert (await gateway.get(path)).headers["cache-control"] == "public, max-age=300"


# ---- 8 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/v1/me/", "/v1/contracts/", "/v1/notification-preferences/"])
async def test_a_trailing_slash_is_a_problem_json_404_never_a_redirect_echoing_the_host(gateway, path):
    r = await gateway.get(path, headers={"Host": "evil.example"}, params={"q": "a" * 7000})
    assert r.status_code == 404, (r.status_code, r.text[:200])
    assert "location" not in r.headers
    assert r.headers["content-type"] == PROBLEM


async def test_a_long_query_is_never_a_502_and_one_longer_than_the_gateway_takes_is_a_problem_json_414(gateway):
    for path in ("/v1/contracts", "/v1/me/", "/v1/contract-requests"):
        r = await gateway.get(path, params={"q": "é" * 1300})  # 7.8k once percent-encoded
        assert r.status_code < 500, (path, r.status_code)
    r = await gateway.get("/v1/contracts", params={"q": "a" * 9000})
    assert r.status_code == 414 and r.headers["content-type"] == PROBLEM and r.json()["status"] == 414


async def test_headers_too_large_are_a_problem_json_431(gateway):
    r = await gateway.get("/v1/me", headers={"X-Padding": "a" * 9000})
    assert r.status_code == 431 and r.headers["content-type"] == PROBLEM and r.json()["status"] == 431
    many = {f"X-Padding-{i}": "a" * 7000 for i in range(6)}
    r = await gateway.get("/v1/me", headers=many)
    assert r.status_code in (400, 431) and r.headers["content-type"] == PROBLEM


# ---- 9 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["FOO", "PROPFIND", "MKCOL", "TRACE"])
async def test_a_method_the_apis_do_not_use_is_a_problem_json_405_from_the_gateway(gateway, method):
    r = await gateway.request(method, "/v1/contracts")
    assert r.status_code == 405, (r.status_code, r.text)
    assert r.headers["content-type"] == PROBLEM and r.json()["status"] == 405


@pytest.mark.parametrize("header", [b"Content-Type: application/json\x01", b"X-Anything: a\x7fb",
                                    b"Content-Type: text/\x1bplain"], ids=["SOH in Content-Type", "DEL", "ESC"])
def test_a_control_byte_in_a_header_that_nginx_passes_on_is_answered_with_a_problem_json_400(header):
    status, headers, body = _raw(b"POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n" + header +
                                 b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
    assert status == 400
    assert headers["content-type"] == [PROBLEM]
    assert json.loads(body)["status"] == 400
    assert headers["x-content-type-options"] == ["nosniff"]


async def test_nginx_own_errors_are_problem_json(gateway):
    unknown = await gateway.get("/nothing/here")
    too_large = await gateway.post("/v1/contract-requests", content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                                   headers={"Content-Type": "application/json"})
    for answer, status in ((unknown, 404), (too_large, 413)):
        assert answer.status_code == status
        assert answer.headers["content-type"] == PROBLEM and answer.json()["status"] == status


# ---- 11 --------------------------------------------------------------------------------------

@pytest.mark.parametrize("service", ["identity", "contracts", "notify"])
async def test_the_openapi_document_served_through_the_gateway_lists_no_internal_route(gateway, service):
    r = await gateway.get(f"/openapi/{service}.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert paths and not [p for p in paths if p.startswith("/internal")]
    assert (await gateway.get("/internal/openapi.json")).status_code == 404  # not routed


@pytest.mark.parametrize("service", ["identity", "contracts", "notify"])
async def test_a_services_health_through_the_gateway_says_up_and_nothing_about_its_dependencies(gateway, service):
    r = await gateway.get(f"/health/{service}/ready")
    assert r.status_code == 200 and r.json() == {"status": "up"}
    assert "database" not in r.text and "kafka" not in r.text


def test_the_detailed_readiness_stays_on_each_services_own_port():
    ports = [int(line.split()[1]) for line in (ROOT / "deploy/local/services.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert ports
    for port in ports:
        r = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=10)
        assert r.status_code == 200 and "database" in r.json()["checks"]
