"""Structured JSON logs carrying trace ids, and OpenTelemetry tracing set-up."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import structlog
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (ALWAYS_OFF, Decision, ParentBased, Sampler, SamplingResult,
                                              TraceIdRatioBased)

# Keys whose values never reach a log line, whatever a caller passes.
_SECRET_KEYS = frozenset(
    {"password", "token", "access_token", "refresh_token", "authorization", "secret", "code"}
)


def _redact_secrets(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in list(event_dict):
        if key.lower() in _SECRET_KEYS:
            event_dict[key] = "[redacted]"
    return event_dict


def _add_trace_ids(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    span = trace.get_current_span()
    ctx = span.get_span_context()
    if ctx.is_valid:
        event_dict.setdefault("trace_id", format(ctx.trace_id, "032x"))
        event_dict.setdefault("span_id", format(ctx.span_id, "016x"))
    return event_dict


def _names(service: str, process: str):
    """A processor putting the service and process on every line: not a context variable, which a
    request's ``clear_contextvars`` would drop (the api's lines lost ``service`` after the first request)."""
    def add(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
        event_dict.setdefault("service", service)
        event_dict.setdefault("process", process)
        return event_dict
    return add


def configure_logging(service: str, level: str = "INFO", process: str = "api") -> None:
    """JSON logs on stdout, one object per line, with service, process, request and trace ids."""
    numeric = logging.getLevelName(level.upper())
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        _names(service, process),
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace_ids,
        _redact_secrets,
        structlog.processors.format_exc_info,
        structlog.processors.JSONRenderer(),
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(stream=sys.stderr, level=max(numeric, logging.WARNING))
    for noisy in ("aiokafka", "kafka", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def otlp_traces_url(endpoint: str) -> str:
    """Where traces go for OTEL_EXPORTER_OTLP_ENDPOINT: a base URL, to which the OpenTelemetry
    specification appends ``v1/traces`` for the HTTP exporter."""
    return endpoint.rstrip("/") + "/v1/traces"


def _traces_url(otlp_endpoint: str | None) -> str | None:
    """The OTLP/HTTP traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is (the specification's
    per-signal variable, used without any path added), else the base endpoint + ``/v1/traces``."""
    signal = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if signal:
        return signal
    return otlp_traces_url(otlp_endpoint) if otlp_endpoint else None


class _NoRootClientSpans(Sampler):
    """Root sampler: a CLIENT span with no parent (a relay's poll, a LISTEN, a claim query of the
    dispatcher, a key fetch at start-up) is housekeeping outside any journey, one trace per poll;
    it is dropped. Other roots (a request that came without a sampled traceparent, a consumed
    event without one) are kept at ``ratio`` (OTEL_TRACES_SAMPLER_ARG, by trace id, so every
    process decides alike); a caller's sampled traceparent is always followed (ParentBased)."""

    def __init__(self, ratio: float = 1.0) -> None:
        self._ratio = TraceIdRatioBased(ratio)

    def should_sample(self, parent_context, trace_id, name, kind=None, attributes=None, links=None,
                      trace_state=None) -> SamplingResult:
        if kind == trace.SpanKind.CLIENT:
            return SamplingResult(Decision.DROP, None, trace_state)
        return self._ratio.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return "NoRootClientSpans"


def _sampled_parent() -> bool:
    """Whether a span started now would be sampled: its parent (the current span) is sampled.
    Without one it would be a root CLIENT span, which ``_NoRootClientSpans`` drops."""
    return trace.get_current_span().get_span_context().trace_flags.sampled


def _asyncpg_instrumentor(capture_parameters: bool = False) -> Any:
    """asyncpg's maintained instrumentation, doing its work only under a sampled parent.

    The instrumentation strips the statement's comments, splits its text and builds the span's
    attributes before asking the sampler, for every query; under an unsampled request (most of
    them at the stack's share) that span is then dropped. Skipping it there records exactly the
    same spans (ParentBased follows the parent's decision; roots are dropped) for less CPU."""
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    class SampledOnly(AsyncPGInstrumentor):
        async def _do_execute(self, func, instance, args, kwargs):
            if not _sampled_parent():
                return await func(*args, **kwargs)
            return await super()._do_execute(func, instance, args, kwargs)

        async def _do_cursor_execute(self, func, instance, args, kwargs):
            if not _sampled_parent():
                return await func(*args, **kwargs)
            return await super()._do_cursor_execute(func, instance, args, kwargs)

        async def _do_prepared_execute(self, func, instance, args, kwargs):
            if not _sampled_parent():
                return await func(*args, **kwargs)
            return await super()._do_prepared_execute(func, instance, args, kwargs)

    return SampledOnly(capture_parameters=capture_parameters)


_exporting = False


def _root_ratio() -> float:
    """The share of journeys without a caller's decision that are traced (OTEL_TRACES_SAMPLER_ARG, default 1)."""
    try:
        return min(1.0, max(0.0, float(os.environ.get("OTEL_TRACES_SAMPLER_ARG", "1"))))
    except ValueError:
        return 1.0


def tracing_enabled() -> bool:
    """Whether this process records and exports spans (an OTLP endpoint was set)."""
    return _exporting


def tracer_provider(service: str, otlp_endpoint: str | None = None, process: str = "api") -> TracerProvider:
    """A tracer provider naming the service and process.

    With an OTLP endpoint, spans are recorded (a journey's spans; no trace per housekeeping
    query) and exported in batches. Without one, nothing is recorded nor exported: spans are
    non-recording (ALWAYS_OFF), which still carries the trace ids into logs and events."""
    resource = Resource.create({"service.name": service, "service.instance.role": process})
    url = _traces_url(otlp_endpoint)
    if not url:
        return TracerProvider(resource=resource, sampler=ALWAYS_OFF)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=resource, sampler=ParentBased(root=_NoRootClientSpans(_root_ratio())))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
    return provider


def configure_tracing(service: str, otlp_endpoint: str | None = None, process: str = "api") -> bool:
    """Install the process's tracer provider and the instrumentations (once: OpenTelemetry's
    global is set-once). Returns whether spans are exported.

    Always: outgoing httpx calls carry the caller's ``traceparent`` (HTTPX instrumentation).
    With an endpoint only: asyncpg's spans (statements without their parameters), and, by the
    callers, aiokafka's (``ms_events.kafka.instrument_kafka``). Without one, tracing costs close
    to nothing. An API's server span is the app factory's own (``RequestContextMiddleware``):
    OpenTelemetry's FastAPI instrumentation cost GET /v1/me about a third of its throughput
    even on requests it did not sample (measured on this machine: 2,008 req/s against 3,159
    without it, and about 2,550-3,200 with the app factory's span), above the 10 % the
    platform allows metrics and tracing together."""
    global _exporting
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return _exporting
    provider = tracer_provider(service, otlp_endpoint, process)
    trace.set_tracer_provider(provider)
    _exporting = bool(_traces_url(otlp_endpoint))
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor().instrument()
    if _exporting:
        # capture_parameters=False: a statement's values (emails, password hashes, tokens)
        # never reach a span, only its text with $n placeholders.
        _asyncpg_instrumentor(capture_parameters=False).instrument()
    return _exporting


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, to carry across Kafka."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(traceparent: str | None) -> Any:
    """An OpenTelemetry context continuing the trace named by a traceparent."""
    return propagate.extract({"traceparent": traceparent} if traceparent else {})
