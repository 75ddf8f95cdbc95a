"""The app factory's request middleware: one layer gives each request its id, its server span,
its RED series and, when worth a look, its log line (ms_platform.app.RequestContextMiddleware)."""

from __future__ import annotations

import secrets
import uuid

import httpx
from fastapi import FastAPI, HTTPException
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased

from ms_platform.app import RequestContextMiddleware
from ms_platform.metrics import REGISTRY
from ms_platform.problems import install_problem_handlers


def _app(service: str, sampler=ALWAYS_ON, metrics: bool = True) -> tuple[FastAPI, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ParentBased(root=sampler))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service=service, metrics=metrics, tracer_provider=provider)

    @app.get("/v1/things/{thing_id}")
    async def thing(thing_id: int) -> dict:
        if thing_id == 404:
            raise HTTPException(404)
        if thing_id == 500:
            raise RuntimeError("a bug")
        # What the route's logs, outgoing calls and events carry: the current span's ids.
        context = trace.get_current_span().get_span_context()
        return {"trace_id": format(context.trace_id, "032x"), "sampled": context.trace_flags.sampled}

    @app.get("/health/live")
    async def live() -> dict:
        return {"status": "ok"}

    return app, exporter


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                             base_url="http://testserver")


def _count(service: str, route: str, status: int) -> float | None:
    return REGISTRY.get_sample_value("http_requests_total", {
        "service": service, "method": "GET", "route": route, "status": str(status)})


def _service() -> str:
    return f"svc{uuid.uuid4().hex[:8]}"  # the registry is the process's: each test its own series


async def test_a_sampled_request_is_one_server_span_continuing_the_callers_trace_named_by_its_route_template():
    app, spans = _app(_service())
    trace_id, caller = secrets.token_hex(16), secrets.token_hex(8)
    async with _client(app) as client:
        r = await client.get("/v1/things/7", headers={"traceparent": f"00-{trace_id}-{caller}-01",
                                                      "x-request-id": "req-42"})
    assert r.status_code == 200 and r.headers["x-request-id"] == "req-42"
    assert r.json() == {"trace_id": trace_id, "sampled": True}
    [span] = spans.get_finished_spans()
    assert span.name == "GET /v1/things/{thing_id}" and span.kind == trace.SpanKind.SERVER
    assert format(span.context.trace_id, "032x") == trace_id and format(span.parent.span_id, "016x") == caller
    assert dict(span.attributes) == {
        "http.request.header.x-request-id": ("req-42",), "http.request.method": "GET",
        "http.response.status_code": 200, "http.route": "/v1/things/{thing_id}"}


async def test_an_unsampled_request_records_no_span_but_carries_its_trace_and_is_still_counted():
    service = _service()
    app, spans = _app(service, sampler=ALWAYS_OFF)
    trace_id = secrets.token_hex(16)
    async with _client(app) as client:
        carried = (await client.get("/v1/things/7", headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-00"})).json()
        fresh = (await client.get("/v1/things/8")).json()
    assert spans.get_finished_spans() == ()
    assert carried == {"trace_id": trace_id, "sampled": False}
    assert fresh["sampled"] is False and int(fresh["trace_id"], 16) != 0 and fresh["trace_id"] != trace_id
    assert _count(service, "/v1/things/{thing_id}", 200) == 2


async def test_the_answer_to_an_unhandled_error_is_counted_once_as_500_and_its_span_is_an_error():
    service = _service()
    app, spans = _app(service)
    async with _client(app) as client:
        r = await client.get("/v1/things/500")
        generated = r.headers["x-request-id"]
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
    assert _count(service, "/v1/things/{thing_id}", 500) == 1
    duration = {"service": service, "method": "GET", "route": "/v1/things/{thing_id}"}
    assert REGISTRY.get_sample_value("http_request_duration_seconds_count", duration) == 1
    [span] = spans.get_finished_spans()
    assert span.status.status_code == trace.StatusCode.ERROR
    assert span.attributes["http.response.status_code"] == 500
    assert len(generated) == 32 and span.attributes["http.request.header.x-request-id"] == (generated,)


async def test_a_path_no_route_takes_is_a_span_named_by_its_method_only():
    app, spans = _app(_service())
    async with _client(app) as client:
        assert (await client.get(f"/v1/{uuid.uuid4()}")).status_code == 404
    [span] = spans.get_finished_spans()
    assert span.name == "GET" and span.attributes["http.route"] == "unmatched"


async def test_a_health_probe_is_counted_but_neither_traced_nor_given_a_request_id():
    service = _service()
    app, spans = _app(service)
    async with _client(app) as client:
        r = await client.get("/health/live")
    assert r.status_code == 200 and "x-request-id" not in r.headers
    assert spans.get_finished_spans() == ()
    assert _count(service, "/health/live", 200) == 1


async def test_without_metrics_nothing_is_counted_and_the_span_is_the_same():
    service = _service()
    app, spans = _app(service, metrics=False)
    async with _client(app) as client:
        await client.get("/v1/things/404")
        await client.get("/health/live")
    assert _count(service, "/v1/things/{thing_id}", 404) is None and _count(service, "/health/live", 200) is None
    [span] = spans.get_finished_spans()
    assert span.name == "GET /v1/things/{thing_id}" and span.attributes["http.response.status_code"] == 404


async def test_a_log_line_is_written_for_a_refusal_worth_a_look_but_not_for_a_routine_404_or_409(monkeypatch):
    import ms_platform.app

    logs: list[dict] = []

    class Recorder:  # the middleware's logger (structlog may be configured and cached by other tests)
        def info(self, event: str, **fields) -> None:
            logs.append({"event": event, **fields})

        def __getattr__(self, name: str):
            return lambda *args, **kwargs: None

    monkeypatch.setattr(ms_platform.app, "log", Recorder())
    app, _ = _app(_service())

    @app.get("/v1/conflict")
    async def conflict() -> dict:
        raise HTTPException(409)

    @app.get("/v1/forbidden")
    async def forbidden() -> dict:
        raise HTTPException(403)

    async with _client(app) as client:
        for path in ("/v1/things/7", "/v1/things/404", "/v1/conflict", "/v1/forbidden", "/v1/things/500"):
            await client.get(path)
    lines = [(line["path"], line["status"]) for line in logs if line["event"] == "http.request"]
    assert lines == [("/v1/forbidden", 403), ("/v1/things/500", 500)]


def test_a_slow_answer_is_worth_a_look_whatever_its_status():
    from ms_platform.app import SLOW_REQUEST_MS, worth_a_look

    assert worth_a_look(200, SLOW_REQUEST_MS) and worth_a_look(409, SLOW_REQUEST_MS + 1)
    assert not worth_a_look(200, SLOW_REQUEST_MS - 1) and not worth_a_look(404, 1.0)
    assert worth_a_look(422, 1.0) and worth_a_look(401, 1.0)
