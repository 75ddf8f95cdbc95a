"""ServiceClient against httpx's MockTransport: retries, deadline, traceparent, tokens."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from ms_platform.http_client import ServiceClient, UpstreamUnavailable
from ms_platform.problems import ServiceUnavailable


class Upstream:
    """Answers from a script, one per request, and keeps the requests it saw."""

    def __init__(self, *answers) -> None:
        self.answers = list(answers)
        self.seen: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, float):
            await asyncio.sleep(answer)
            return httpx.Response(200)
        return httpx.Response(answer, json={})


def client(upstream: Upstream, **kwargs) -> ServiceClient:
    return ServiceClient("contracts", "http://contracts", transport=httpx.MockTransport(upstream), **kwargs)


class Tokens:
    def __init__(self) -> None:
        self.minted = 0

    async def token(self, audience: str) -> str:
        self.minted += 1
        return f"{audience}-{self.minted}"

    def forget(self, audience: str) -> None:
        pass


async def test_an_idempotent_call_is_retried_after_a_503_and_gets_the_answer():
    upstream = Upstream(503, 200)
    response = await client(upstream).get("/things")
    assert response.status_code == 200 and len(upstream.seen) == 2


async def test_a_post_is_not_sent_again_after_a_503():
    upstream = Upstream(503, 200)
    with pytest.raises(UpstreamUnavailable) as down:
        await client(upstream).post("/things", json={})
    assert len(upstream.seen) == 1 and down.value.reason == "status 503"


async def test_a_post_that_never_reached_the_other_side_is_retried():
    upstream = Upstream(httpx.ConnectError("refused"), 201)
    response = await client(upstream).post("/things", json={})
    assert response.status_code == 201 and len(upstream.seen) == 2


async def test_a_post_marked_idempotent_is_retried_like_a_get():
    upstream = Upstream(502, 200)
    response = await client(upstream).post("/checks", json={}, idempotent=True)
    assert response.status_code == 200


async def test_a_service_that_stays_down_is_one_503_problem_naming_it():
    upstream = Upstream(httpx.ConnectError("refused"))
    with pytest.raises(UpstreamUnavailable) as down:
        await client(upstream, attempts=3).get("/things")
    assert isinstance(down.value, ServiceUnavailable)
    assert down.value.status == 503 and down.value.extra["dependency"] == "contracts"
    assert len(upstream.seen) == 3


async def test_a_call_slower_than_its_timeout_is_given_up():
    with pytest.raises(UpstreamUnavailable) as slow:
        await client(Upstream(1.0)).get("/slow", timeout_s=0.05)
    assert slow.value.reason == "timeout"


async def test_other_answers_are_returned_for_the_caller_to_read():
    assert (await client(Upstream(404)).get("/missing")).status_code == 404


async def test_the_current_trace_goes_along_as_traceparent():
    upstream = Upstream(200)
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("caller") as span:
        await client(upstream).get("/things")
        trace_id = format(span.get_span_context().trace_id, "032x")
    assert trace_id in upstream.seen[0].headers["traceparent"]
    assert trace.get_current_span() is trace.INVALID_SPAN


async def test_a_service_token_for_the_called_service_is_sent():
    upstream = Upstream(200)
    await client(upstream, tokens=Tokens()).get("/things")
    assert upstream.seen[0].headers["authorization"] == "Bearer contracts-1"


async def test_a_refused_token_is_replaced_once():
    upstream, tokens = Upstream(401, 200), Tokens()
    response = await client(upstream, tokens=tokens).post("/things", json={})
    assert response.status_code == 200
    assert [r.headers["authorization"] for r in upstream.seen] == ["Bearer contracts-1", "Bearer contracts-2"]
