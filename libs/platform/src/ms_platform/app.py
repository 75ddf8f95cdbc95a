"""The app factory every service uses: same health routes, error format, logs and traces."""

from __future__ import annotations

import asyncio
import random
import time
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from ms_platform.auth import TokenVerifier
from ms_platform.cache import caught_up_everywhere
from ms_platform.db import create_pool, ping
from ms_platform.metrics import UNMATCHED, HttpMetrics, metrics_router, route_template, track_pool
from ms_platform.openapi import describe
from ms_platform.observability import configure_logging, configure_tracing, context_from_traceparent
from ms_platform.problems import (PROBLEM_BASE, PROBLEM_MEDIA_TYPE, Problem, install_problem_handlers,
                                  problem_response, unhandled_problem)
from ms_platform.storable import StorableTextMiddleware
from ms_platform.settings import ServiceSettings

log = structlog.get_logger()

SLOW_REQUEST_MS = 500.0
# Answers that are a well-formed request's ordinary outcome: an unknown or someone else's id,
# a conflict with the resource's state (a full slot, a duplicate). The gateway's access log and
# the RED metrics (by route and status) have them; a log line each would be noise, one per
# refused booking at a contended slot.
ROUTINE_STATUSES = frozenset({404, 409})


def worth_a_look(status: int, duration_ms: float) -> bool:
    """Whether an answer gets the service's own ``http.request`` log line."""
    return duration_ms >= SLOW_REQUEST_MS or (status >= 400 and status not in ROUTINE_STATUSES)
ReadinessCheck = Callable[[FastAPI], Awaitable[bool]]
Lifespan = Callable[[FastAPI], Any]
# The context of a request that came without a traceparent: a new trace (the request's task may
# have inherited no span, but nothing is looked up to know it).
_NO_PARENT = Context()


READS_ONLY = "x-reads-only"


def reads_only(scope: dict) -> bool:
    """A POST that computes and stores nothing (``openapi_extra={READS_ONLY: True}``, shown in the
    OpenAPI document): no cache can have changed, so its answer waits for no catch-up."""
    extra = getattr(scope.get("route"), "openapi_extra", None)
    return bool(extra and extra.get(READS_ONLY))


class RequestContextMiddleware:
    """Request id, trace context, RED metrics and one log line per request worth a look: one pure
    ASGI layer, so a request's ``send`` is wrapped and the request timed once for all of them.

    It opens the request's server span, continuing the caller's traceparent and naming the
    gateway's request id. A span that is not sampled (most requests: OTEL_TRACES_SAMPLER_ARG), or
    every span where nothing is exported, is non-recording: it only carries the caller's trace
    into logs, outgoing calls and events, and nothing is computed for it (attributes, name).
    With ``metrics`` (the API's ``metrics_enabled``) each answer is counted and timed by route
    template (``ms_platform.metrics.HttpMetrics``), health probes included; probes are neither
    traced nor logged.
    """

    def __init__(self, app: Any, service: str, metrics: bool = False,
                 tracer_provider: trace.TracerProvider | None = None) -> None:
        self.app = app
        self.tracer = trace.get_tracer(service, tracer_provider=tracer_provider)  # the global one by default
        self.metrics = HttpMetrics(service) if metrics else None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith("/health/"):
            await self._probe(scope, receive, send)
            return
        request_id = traceparent = None
        for name, value in scope["headers"]:  # the two it needs, without decoding the others
            if name == b"x-request-id":
                request_id = value.decode("latin-1")
            elif name == b"traceparent":
                traceparent = value.decode("latin-1")
        # The gateway's $request_id format when none came; a correlation handle, not a secret, so
        # drawn without a system call (as OpenTelemetry draws trace ids).
        request_id = request_id or f"{random.getrandbits(128):032x}"
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        method = scope["method"]
        status = 500  # what is answered when the app raises before answering
        response_started = False
        writes = method not in ("GET", "HEAD", "OPTIONS")

        async def send_wrapper(message: dict) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                if writes and message["status"] < 400 and not reads_only(scope):
                    # What the request committed has emptied this process's caches before the
                    # caller can ask again: it reads its own writes.
                    await caught_up_everywhere()
                status = message["status"]
                response_started = True
                message.setdefault("headers", [])
                message["headers"].append((b"x-request-id", request_id.encode("latin-1")))
            await send(message)

        started = time.perf_counter()
        # The request's server span (see ms_platform.observability on why not the FastAPI
        # instrumentation), continuing the caller's traceparent, current while the app runs.
        parent = context_from_traceparent(traceparent) if traceparent else _NO_PARENT
        span = self.tracer.start_span(method, context=parent, kind=trace.SpanKind.SERVER)
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        recording = span.is_recording()
        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            if response_started:
                if recording:  # as OpenTelemetry's use_span does for an exception going out
                    span.record_exception(exc)
                    span.set_status(trace.StatusCode.ERROR, type(exc).__name__)
                raise
            await problem_response(unhandled_problem(exc))(scope, receive, send_wrapper)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope)
            if self.metrics is not None:
                self.metrics.observe(method, route, status, seconds)
            if recording:
                # OpenTelemetry's HTTP server conventions: "{method} {route template}", never ids.
                if route != UNMATCHED:
                    span.update_name(f"{method} {route}")
                # With the gateway's request id, to find a request's trace from its access log line.
                span.set_attributes({"http.request.method": method, "http.response.status_code": status,
                                     "http.route": route, "http.request.header.x-request-id": (request_id,)})
                if status >= 500:
                    span.set_status(trace.StatusCode.ERROR)
            # The gateway's access log has every request with the same X-Request-ID;
            # the service adds a line for the ones worth a look.
            duration_ms = seconds * 1000
            if worth_a_look(status, duration_ms):
                log.info("http.request", method=method, path=scope["path"], status=status,
                         duration_ms=round(duration_ms, 2))
            span.end()
            otel_context.detach(token)

    async def _probe(self, scope: dict, receive: Any, send: Any) -> None:
        """A health probe: counted and timed when metrics are on, nothing else."""
        if self.metrics is None:
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_with_status(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_status)
        finally:
            self.metrics.observe(scope["method"], route_template(scope), status, time.perf_counter() - started)


# Headers on every answer of every service (the gateway sets the same ones: defence in depth,
# and a service reached without the gateway still answers safely).
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
)
# Public documents a cache may keep: the OpenAPI document and its viewers. Every other answer
# (tokens, personal data, errors) is ``no-store`` unless its route chose a policy itself (the
# JWKS is public and cacheable); health answers are left alone.
PUBLIC_DOCUMENTS = ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")
PUBLIC_DOCUMENTS_CACHE = b"public, max-age=300"


def cache_control_for(path: str) -> bytes | None:
    """The Cache-Control an answer gets when its route set none (None: leave it without)."""
    if path in PUBLIC_DOCUMENTS:
        return PUBLIC_DOCUMENTS_CACHE
    if path.startswith("/health/"):
        return None
    return b"no-store"


class SecurityHeadersMiddleware:
    """nosniff, no referrer, no framing on every answer; no-store on every API answer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cache_control = cache_control_for(scope["path"])

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in SECURITY_HEADERS if name not in present]
                if cache_control is not None and b"cache-control" not in present:
                    headers.append((b"cache-control", cache_control))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _whole_openapi(app: FastAPI) -> dict[str, Any]:
    """The whole document, built once per app: completed with what the platform adds around
    every route (bearer, problem+json errors); the public one is derived from it."""
    whole = getattr(app.state, "whole_openapi", None)
    if whole is None:
        whole = app.state.whole_openapi = describe(app, get_openapi(
            title=app.title, version=app.version, openapi_version=app.openapi_version,
            description=app.description, routes=app.routes))
    return whole


def without_internal_routes(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` without its /internal/... paths nor the schemas only they use."""
    paths = {path: item for path, item in document.get("paths", {}).items() if not path.startswith("/internal/")}
    schemas = document.get("components", {}).get("schemas", {})
    kept: set[str] = set()
    todo: list[Any] = [paths]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in kept and name in schemas:
                    kept.add(name)
                    todo.append(schemas[name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    public = {**document, "paths": paths}
    if "components" in document:
        components = {**document["components"], "schemas": {k: v for k, v in schemas.items() if k in kept}}
        if not components["schemas"]:
            del components["schemas"]
        public["components"] = components
    return public


def public_openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document the gateway publishes: every route but /internal/... ones."""
    if app.openapi_schema is None:
        app.openapi_schema = without_internal_routes(_whole_openapi(app))
    return app.openapi_schema


def internal_router() -> APIRouter:
    """GET /internal/openapi.json: the whole document, internal routes included (the gateway
    routes no /internal/ path: only other services and operators reach it)."""
    router = APIRouter()

    @router.get("/internal/openapi.json", include_in_schema=False)
    async def internal_openapi(request: Request) -> JSONResponse:
        return JSONResponse(_whole_openapi(request.app))

    return router


def health_router(checks: dict[str, ReadinessCheck], advisory: dict[str, ReadinessCheck]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health/live", include_in_schema=False)
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/health/ready", include_in_schema=False)
    async def ready(request: Request) -> JSONResponse:
        results = {name: await check(request.app) for name, check in checks.items()}
        notes = {name: await check(request.app) for name, check in advisory.items()}
        ok = all(results.values())
        status = "unavailable" if not ok else ("ok" if all(notes.values()) else "degraded")
        body = {"status": status, "checks": {
            name: "ok" if passed else "failing" for name, passed in {**results, **notes}.items()}}
        return JSONResponse(body, status_code=200 if ok else 503)

    @router.get("/health/public", include_in_schema=False)
    async def public(request: Request) -> JSONResponse:
        """What the gateway tells anyone (/health/<service>/ready): up or down, no detail of
        which dependency fails (the detailed /health/ready is for probes on the service's port)."""
        ok = all([await check(request.app) for check in checks.values()])
        if ok:
            return JSONResponse({"status": "up"})
        return problem_response(Problem(503, "service-unavailable", "Service unavailable",
                                        "Le service est momentanément indisponible.",
                                        headers={"Retry-After": "5"}, health="down"))

    return router


async def database_ready(app: FastAPI) -> bool:
    return await ping(app.state.pool)


_kafka_seen: dict[str, tuple[float, bool]] = {}


async def kafka_reachable(app: FastAPI) -> bool:
    """Whether a Kafka bootstrap server accepts connections (cached 2 s)."""
    servers = app.state.settings.kafka_bootstrap_servers
    cached = _kafka_seen.get(servers)
    if cached and time.monotonic() - cached[0] < 2.0:
        return cached[1]
    reachable = False
    for server in servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), timeout=0.5)
            writer.close()
            reachable = True
            break
        except (OSError, asyncio.TimeoutError, ValueError):
            continue
    _kafka_seen[servers] = (time.monotonic(), reachable)
    return reachable


def create_app(
    settings: ServiceSettings,
    *,
    title: str,
    routers: Iterable[APIRouter],
    audience: str | None = None,
    lifespan: Lifespan | None = None,
    readiness: dict[str, ReadinessCheck] | None = None,
    description: str = "",
) -> FastAPI:
    """Build a service's FastAPI app: pool, token verifier, problem+json, health, logs."""
    configure_logging(settings.service_name, settings.log_level)
    configure_tracing(settings.service_name, settings.otel_exporter_otlp_endpoint)

    @asynccontextmanager
    async def app_lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            app.state.settings = settings
            app.state.pool = await create_pool(
                settings.dsn,
                min_size=settings.db_pool_min,
                max_size=settings.db_pool_max,
                command_timeout=settings.db_command_timeout_s,
            )
            stack.push_async_callback(app.state.pool.close)
            if settings.metrics_enabled:
                stack.callback(track_pool(app.state.pool, settings.service_name, "api"))
            app.state.token_verifier = TokenVerifier(
                settings.jwks_url, audience or settings.service_name, settings.jwt_issuer
            )
            # Closed at shutdown whichever verifier the service's lifespan leaves in its place.
            stack.push_async_callback(lambda: app.state.token_verifier.aclose())
            if lifespan is not None:
                await stack.enter_async_context(lifespan(app))
            log.info("service.started", port=settings.api_port)
            yield
            log.info("service.stopping")

    # The request's server span is RequestContextMiddleware's, so FastAPI's own request spans
    # would only duplicate it.
    # redirect_slashes=False: /v1/me/ is a 404, never a redirect built from the Host header.
    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=app_lifespan,
                  redirect_slashes=False,
                  telemetry={"tracing": False, "operation_spans": False, "metrics": False, "logs": False})
    app.openapi = lambda: public_openapi(app)  # type: ignore[method-assign]
    install_problem_handlers(app)
    # An API keeps taking writes while Kafka is away (they wait in the outbox), so Kafka
    # is reported by readiness but does not take the API out of rotation.
    app.include_router(health_router({"database": database_ready, **(readiness or {})},
                                     {"kafka": kafka_reachable}))
    app.include_router(internal_router())
    if settings.metrics_enabled:
        app.include_router(metrics_router())  # Prometheus, on the API's own port only
    for router in routers:
        app.include_router(router)
    # Inside the request context (its answers are logged and traced like any other).
    app.add_middleware(StorableTextMiddleware)
    # Request id, span, RED metrics (of the answers it writes itself too) and log line, in one layer.
    app.add_middleware(RequestContextMiddleware, service=settings.service_name, metrics=settings.metrics_enabled)
    # Outermost: even the answers RequestContextMiddleware writes itself carry the headers.
    app.add_middleware(SecurityHeadersMiddleware)
    return app


# What uvicorn answers itself when it cannot parse a request (a control byte in a header value,
# an unknown method...): problem+json like every other error, never its plain-text 400.
MALFORMED_REQUEST = (
    b'{"type":"' + PROBLEM_BASE.encode() + b'bad-request","title":"Bad Request","status":400,'
    b'"detail":"La requ\\u00eate HTTP est mal form\\u00e9e."}'
)


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol whose parse-error answer is problem+json (run_api uses it)."""

    def send_400_response(self, msg: str) -> None:
        content = [STATUS_LINE[400]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        for name, value in (*SECURITY_HEADERS, (b"cache-control", b"no-store")):
            content.extend([name, b": ", value, b"\r\n"])
        content.extend([
            b"content-type: " + PROBLEM_MEDIA_TYPE.encode() + b"\r\n",
            b"content-length: " + str(len(MALFORMED_REQUEST)).encode("ascii") + b"\r\n",
            b"connection: close\r\n",
            b"\r\n",
            MALFORMED_REQUEST,
        ])
        self.transport.write(b"".join(content))
        self.transport.close()


def run_api(app_factory: str, settings: ServiceSettings) -> None:
    """Serve an app with uvicorn (one worker; scale by running more processes)."""
    import uvicorn

    uvicorn.run(
        app_factory,
        factory=True,
        host=settings.api_host,
        port=settings.api_port,
        workers=settings.api_workers,
        access_log=False,
        log_level="warning",
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        loop="uvloop",
        http="ms_platform.app:ProblemHttpToolsProtocol",
    )
