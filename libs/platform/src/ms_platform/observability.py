"""Structured JSON logs carrying trace ids, and OpenTelemetry tracing set-up."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

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


def tracer_provider(service: str, otlp_endpoint: str | None = None, process: str = "api") -> TracerProvider:
    """A tracer provider naming the service; it exports spans only when an OTLP endpoint is set."""
    provider = TracerProvider(resource=Resource.create({"service.name": service, "service.instance.role": process}))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_traces_url(otlp_endpoint))))
    return provider


def configure_tracing(service: str, otlp_endpoint: str | None = None, process: str = "api") -> None:
    """Install the process's tracer provider (once: OpenTelemetry's global is set-once)."""
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    trace.set_tracer_provider(tracer_provider(service, otlp_endpoint, process))


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, to carry across Kafka."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(traceparent: str | None) -> Any:
    """An OpenTelemetry context continuing the trace named by a traceparent."""
    return propagate.extract({"traceparent": traceparent} if traceparent else {})
