"""Prometheus metrics of every process (prometheus-client): the series, and how they are kept.

Every process keeps its series in prometheus-client's default registry and shows them in the
Prometheus text format (OpenMetrics when the scraper asks for it) at ``GET /metrics``: an API
on its own port (``metrics_router``; the gateway routes only the declared public prefixes, so
it is never reachable from outside), a relay or a worker on its probe port next to
``/health/live`` (``ms_platform.probe``).

Labels stay few and bounded, whatever a client sends: a route is its TEMPLATE
(``/v1/contracts/{contract_id}``), never the raw path, and ``unmatched`` when no route took the
request; a method the APIs do not use is ``other``; a status is the answer's code. No label
ever holds an id, an address or anything about a person.

API processes (the app factory's request middleware, ``HttpMetrics``):
- ``http_requests_total{service,method,route,status}`` counter: answers given, by route
  template and status code (rate, and errors as ``status=~"5.."``).
- ``http_request_duration_seconds{service,method,route}`` histogram: time from the request's
  arrival until the app returned (latency; the body is sent by then).
- ``db_pool_connections{service,process,state}`` gauge, read at each scrape from the
  process's asyncpg pool: ``state`` is ``size`` (open connections), ``idle``, ``in_use``
  (``size - idle``) or ``max`` (the pool's ceiling). Workers report their pool too.

Relays (``ms_events.relay``):
- ``outbox_published_total{service}`` counter: outbox rows published and marked sent.
- ``relay_publish_seconds{service}`` histogram: one batch's send-and-acknowledge time.
- ``outbox_backlog{service}`` gauge: rows not published yet.
- ``outbox_oldest_unpublished_age_seconds{service}`` gauge: age of the oldest of them (0 when
  there is none). Both are refreshed by the leading relay every ``metrics_every_s`` (standbys
  do not report them) with two queries on the outbox's partial index of unpublished rows.

Workers (``ms_events.consumer``):
- ``consumer_messages_total{service,group,topic,outcome}`` counter: records done, by outcome
  ``handled``, ``duplicate`` (already in the inbox), ``ignored`` (no handler here) or
  ``dead-lettered``.
- ``consumer_lag{group,topic,partition}`` gauge: the partition's highwater minus the consumer's
  position, after each poll (partitions no longer assigned are dropped).
- ``consumer_dead_letters_total{group,topic}`` counter: records sent to ``<topic>.dlq``.
  The relay's and the consumer's counters are shown at 0 from the start (every topic and
  outcome), so a rate or an increase sees the first one.
- ``notify_deliveries_total{channel,outcome}`` counter, defined by notify's dispatcher (a
  concept of notify's): deliveries ``sent``, ``retried`` (a failed attempt, retry scheduled) or
  ``failed`` (given up), by channel (email, sms, letter).

An API should run one uvicorn worker per process (``api_workers`` = 1, the default): each
process has its own registry, so with several workers a scrape would see only one of them.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import asyncpg
from fastapi import APIRouter, Request
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from starlette.responses import Response

__all__ = ["Counter", "Gauge", "Histogram", "REGISTRY", "HttpMetrics", "metrics_router",
           "metrics_response", "track_pool", "route_template"]

UNMATCHED = "unmatched"
OTHER_METHOD = "other"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
PUBLISH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# No ``*_created`` series next to every counter and histogram: they would double the series
# and no rule here reads them.
disable_created_metrics()

HTTP_REQUESTS = Counter("http_requests", "HTTP answers by route template and status.",
                        ["service", "method", "route", "status"])
HTTP_DURATION = Histogram("http_request_duration_seconds", "HTTP request duration by route template.",
                          ["service", "method", "route"], buckets=HTTP_BUCKETS)

OUTBOX_PUBLISHED = Counter("outbox_published", "Outbox rows published to Kafka and marked sent.", ["service"])
RELAY_PUBLISH_SECONDS = Histogram("relay_publish_seconds", "Send-and-acknowledge time of one relay batch.",
                                  ["service"], buckets=PUBLISH_BUCKETS)
OUTBOX_BACKLOG = Gauge("outbox_backlog", "Outbox rows not published yet (leading relay).", ["service"])
OUTBOX_OLDEST_AGE = Gauge("outbox_oldest_unpublished_age_seconds",
                          "Age of the oldest unpublished outbox row, 0 when none (leading relay).", ["service"])

CONSUMER_MESSAGES = Counter("consumer_messages", "Records a consumer group is done with, by outcome.",
                            ["service", "group", "topic", "outcome"])
CONSUMER_LAG = Gauge("consumer_lag", "Partition highwater minus the consumer's position, after each poll.",
                     ["group", "topic", "partition"])
CONSUMER_DEAD_LETTERS = Counter("consumer_dead_letters", "Records sent to <topic>.dlq.", ["group", "topic"])


def route_template(scope: dict) -> str:
    """The template of the route that took the request (set by the router), or ``unmatched``."""
    route = scope.get("route")
    if route is None and "endpoint" in scope:
        # FastAPI's router names only its own routes in the scope; a plain starlette route (the
        # OpenAPI document, the docs pages) is known by its endpoint.
        endpoint = scope["endpoint"]
        app = scope.get("app")
        route = next((r for r in getattr(app, "routes", ()) if getattr(r, "endpoint", None) is endpoint), None)
    if route is None:
        return UNMATCHED
    return getattr(route, "path_format", None) or getattr(route, "path", None) or UNMATCHED


class HttpMetrics:
    """``http_requests_total`` and ``http_request_duration_seconds`` of one API.

    It wraps nothing: the app factory's request middleware (``ms_platform.app``), which already
    wraps ``send`` and times each request for its span and log line, hands it each answer once.
    """

    def __init__(self, service: str) -> None:
        self.service = service
        # Label children cached per (method, route, status): the set is bounded by the routes.
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """One answer: its method, route template (``route_template``), status and duration."""
        key = (method if method in KNOWN_METHODS else OTHER_METHOD, route, status)
        series = self._series.get(key)
        if series is None:
            series = (HTTP_REQUESTS.labels(self.service, key[0], route, str(status)),
                      HTTP_DURATION.labels(self.service, key[0], route))
            self._series[key] = series
        series[0].inc()
        series[1].observe(seconds)


def metrics_response(accept: str | None = None) -> Response:
    """Every series of this process, in the format the scraper accepts."""
    encoder, content_type = choose_encoder(accept or "")
    return Response(encoder(REGISTRY), media_type=content_type)


def metrics_router() -> APIRouter:
    """GET /metrics on an API's own port, left out of the OpenAPI document."""
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        return metrics_response(request.headers.get("accept"))

    return router


class _PoolCollector:
    """``db_pool_connections``, read from the tracked pools at each scrape (no polling)."""

    name = "db_pool_connections"
    documentation = "Database pool connections by state: size, idle, in_use, max."
    labels = ["service", "process", "state"]

    def __init__(self) -> None:
        self._pools: dict[tuple[str, str], asyncpg.Pool] = {}

    def track(self, pool: asyncpg.Pool, service: str, process: str) -> Callable[[], None]:
        key = (service, process)
        self._pools[key] = pool

        def untrack() -> None:
            if self._pools.get(key) is pool:
                del self._pools[key]

        return untrack

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(self.name, self.documentation, labels=self.labels)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(self.name, self.documentation, labels=self.labels)
        for (service, process), pool in list(self._pools.items()):
            size, idle = pool.get_size(), pool.get_idle_size()
            for state, value in (("size", size), ("idle", idle), ("in_use", size - idle),
                                 ("max", pool.get_max_size())):
                family.add_metric([service, process, state], value)
        yield family


_POOLS = _PoolCollector()
REGISTRY.register(_POOLS)


def track_pool(pool: asyncpg.Pool, service: str, process: str) -> Callable[[], None]:
    """Report ``pool`` as ``db_pool_connections{service,process}``; returns the call that stops it."""
    return _POOLS.track(pool, service, process)
