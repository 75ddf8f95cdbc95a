"""Calls from one service to another's HTTP API (ADR 0007).

``ServiceClient`` wraps one ``httpx.AsyncClient`` per called service and adds what every
such call needs: one deadline per call (retries included), retries only where they are
safe, the caller's request id (its W3C ``traceparent`` comes from OpenTelemetry's HTTPX
instrumentation, installed by ``configure_tracing``), a service token for the
called service's audience, and one exception, ``UpstreamUnavailable``, when the other side
is down or too slow. It is a ``ServiceUnavailable`` problem, so an API answers it with a 503
problem+json naming the service, without any handler of its own.

What is retried: a request that never reached the other side (connection refused, connect
timeout), for any method; and, for idempotent methods only (or a call marked
``idempotent=True``, e.g. a POST that only reads), a lost connection or a 502/503/504.
Never a read timeout: the deadline would be spent anyway, and the request may be running.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

import httpx
import structlog
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from ms_platform.problems import ServiceUnavailable

log = structlog.get_logger()

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
UNAVAILABLE_STATUSES = frozenset({502, 503, 504})
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout)
_TIMEOUTS = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout)


class UpstreamUnavailable(ServiceUnavailable):
    """Another service is down, refuses us, or did not answer in time (answered as a 503)."""

    def __init__(self, service: str, reason: str = "unreachable", detail: str | None = None) -> None:
        super().__init__(service, detail)
        self.service = service
        self.reason = reason


class TokenSource(Protocol):
    """Gives a short-lived service token for calling ``audience`` (ms_platform.service_tokens)."""

    async def token(self, audience: str) -> str: ...

    def forget(self, audience: str) -> None: ...


class _Unavailable(Exception):
    """An answer saying the other side is not available (retried where safe)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class ServiceClient:
    """HTTP client to one other service (``service`` names it in logs and 503 answers)."""

    def __init__(
        self,
        service: str,
        base_url: str = "",
        *,
        timeout_s: float = 3.0,
        attempts: int = 3,
        tokens: TokenSource | None = None,
        audience: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.service = service
        self._timeout_s = timeout_s
        self._attempts = attempts
        self._tokens = tokens
        self._audience = audience or service
        self._client = httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout_s)
        if transport is not None or not HTTPXClientInstrumentor().is_instrumented_by_opentelemetry:
            # The process-wide instrumentation (configure_tracing) patches httpx's own transport
            # only: a client on another transport, or before it, is instrumented on its own.
            HTTPXClientInstrumentor.instrument_client(self._client)

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout_s: float | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """The answer (any status but 502/503/504); raises ``UpstreamUnavailable`` otherwise."""
        method = method.upper()
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        call = _Call(method, path, json, params, dict(headers or {}), safe)
        try:
            async with asyncio.timeout(timeout_s or self._timeout_s):
                response = await self._authorised(call)
        except TimeoutError as exc:
            raise self._unavailable(call, "timeout") from exc
        except _Unavailable as exc:
            raise self._unavailable(call, f"status {exc.response.status_code}") from exc
        except httpx.TransportError as exc:
            raise self._unavailable(call, type(exc).__name__) from exc
        return response

    async def _authorised(self, call: "_Call") -> httpx.Response:
        response = await self._with_retries(call)
        if response.status_code == 401 and self._tokens is not None:
            # A refused token (keys rotated, identity restarted): one fresh one, once. The
            # request had no effect, so sending it again is safe whatever its method.
            self._tokens.forget(self._audience)
            response = await self._with_retries(call)
        return response

    async def _with_retries(self, call: "_Call") -> httpx.Response:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential_jitter(multiplier=0.05, max=0.5),
            retry=retry_if_exception(call.retryable),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._send(call)
        raise AssertionError("unreachable")

    async def _send(self, call: "_Call") -> httpx.Response:
        headers = dict(call.headers)
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if request_id:
            headers.setdefault("x-request-id", str(request_id))
        if self._tokens is not None:
            headers["authorization"] = f"Bearer {await self._tokens.token(self._audience)}"
        response = await self._client.request(call.method, call.path, json=call.json, params=call.params,
                                              headers=headers)
        if response.status_code in UNAVAILABLE_STATUSES:
            raise _Unavailable(response)
        return response

    def _unavailable(self, call: "_Call", reason: str) -> UpstreamUnavailable:
        log.warning("upstream.unavailable", service=self.service, method=call.method, path=call.path, reason=reason)
        return UpstreamUnavailable(self.service, reason)

    async def close(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> "ServiceClient":
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()


class _Call:
    __slots__ = ("method", "path", "json", "params", "headers", "safe")

    def __init__(self, method: str, path: str, json: Any, params: Any, headers: dict[str, str], safe: bool) -> None:
        self.method, self.path, self.json, self.params, self.headers, self.safe = \
            method, path, json, params, headers, safe

    def retryable(self, exc: BaseException) -> bool:
        if isinstance(exc, _NEVER_SENT):
            return True
        if not self.safe or isinstance(exc, _TIMEOUTS):
            return False
        return isinstance(exc, (_Unavailable, httpx.TransportError))
