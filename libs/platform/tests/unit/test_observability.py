"""Log lines always name their service and process; traces go where the OTLP specification says."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import structlog

from ms_platform.observability import configure_logging, otlp_traces_url, tracer_provider


@pytest.fixture
def logging_configured_here():
    """structlog's configuration is global: the other tests get back the one they had."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)
    structlog.contextvars.clear_contextvars()


def test_every_line_names_its_service_and_process_even_after_a_request_cleared_the_context(capsys,
                                                                                            logging_configured_here):
    configure_logging("contracts", "INFO", process="worker")
    structlog.get_logger().info("first")
    structlog.contextvars.clear_contextvars()  # what the request middleware does at each request
    structlog.contextvars.bind_contextvars(request_id="r-1")
    structlog.get_logger().info("second")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["service"], line["process"]) for line in lines] == [("contracts", "worker")] * 2
    assert lines[1]["request_id"] == "r-1"


def test_the_otlp_endpoint_is_a_base_url_and_traces_are_posted_under_v1_traces():
    paths: list[str] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            paths.append(self.path)
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        provider = tracer_provider("identity", f"http://127.0.0.1:{server.server_port}/", process="api")
        with provider.get_tracer("test").start_as_current_span("span"):
            pass
        provider.force_flush(5000)
        provider.shutdown()
    finally:
        server.shutdown()
    assert paths == ["/v1/traces"]
    assert otlp_traces_url("http://collector:4318") == "http://collector:4318/v1/traces"


def test_without_an_endpoint_nothing_is_recorded_but_the_callers_trace_goes_on(monkeypatch):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    from ms_platform.observability import context_from_traceparent

    provider = tracer_provider("identity", None)
    assert provider._active_span_processor._span_processors == ()  # no exporter at all
    caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    with provider.get_tracer("t").start_as_current_span("GET /v1/me", context=context_from_traceparent(caller)) as span:
        assert not span.is_recording()
        assert format(span.get_span_context().trace_id, "032x") == "0af7651916cd43dd8448eb211c80319c"


def test_with_an_endpoint_journeys_are_recorded_but_not_housekeeping_queries_outside_them(monkeypatch):
    from opentelemetry.trace import SpanKind

    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    provider = tracer_provider("notify", "http://127.0.0.1:9", process="relay")
    provider._active_span_processor._span_processors[0].shutdown()  # nothing to post to here
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("select", kind=SpanKind.CLIENT) as poll:
        assert not poll.is_recording()  # a relay's poll: no trace of its own
    with tracer.start_as_current_span("process identity.account.v1", kind=SpanKind.CONSUMER) as process:
        assert process.is_recording()
        with tracer.start_as_current_span("insert", kind=SpanKind.CLIENT) as query:
            assert query.is_recording()


def test_the_signal_specific_endpoint_is_used_as_it_is(monkeypatch):
    from ms_platform.observability import _traces_url

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/custom/traces")
    assert _traces_url("http://other:4318") == "http://collector:4318/custom/traces"
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    assert _traces_url("http://other:4318/") == "http://other:4318/v1/traces"
    assert _traces_url(None) is None


def test_journeys_without_a_callers_decision_are_traced_at_the_configured_share_and_a_sampled_caller_always(
        monkeypatch):
    from opentelemetry import trace as otel
    from opentelemetry.sdk.trace.sampling import Decision

    from ms_platform.observability import _NoRootClientSpans, _root_ratio

    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0")
    never = _NoRootClientSpans(_root_ratio())
    assert never.should_sample(None, 2**100, "GET /v1/me", otel.SpanKind.SERVER).decision == Decision.DROP
    always = _NoRootClientSpans(1.0)
    assert always.should_sample(None, 2**100, "GET /v1/me", otel.SpanKind.SERVER).decision == Decision.RECORD_AND_SAMPLE
    assert always.should_sample(None, 2**100, "poll", otel.SpanKind.CLIENT).decision == Decision.DROP
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "not a number")
    assert _root_ratio() == 1.0


def _traced_asyncpg(sampler):
    """The platform's asyncpg instrumentor on its own provider, with an in-memory exporter."""
    from opentelemetry.sdk.trace import TracerProvider as SdkProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from ms_platform.observability import _asyncpg_instrumentor

    exporter = InMemorySpanExporter()
    provider = SdkProvider(sampler=sampler)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = _asyncpg_instrumentor()
    instrumentor._semconv_opt_in_mode = None
    instrumentor._tracer = provider.get_tracer("test")
    return instrumentor, provider, exporter


def test_asyncpg_statements_are_traced_under_a_sampled_parent_and_leave_no_span_under_an_unsampled_one():
    import asyncio

    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON

    async def fetch(query):
        return [query]

    async def run(sampler):
        instrumentor, provider, exporter = _traced_asyncpg(sampler)
        with provider.get_tracer("test").start_as_current_span("GET /v1/me"):
            result = await instrumentor._do_execute(fetch, object(), ("SELECT 1",), {})
        return result, [s.name for s in exporter.get_finished_spans()]

    assert asyncio.run(run(ALWAYS_ON)) == (["SELECT 1"], ["SELECT", "GET /v1/me"])
    assert asyncio.run(run(ALWAYS_OFF)) == (["SELECT 1"], [])
