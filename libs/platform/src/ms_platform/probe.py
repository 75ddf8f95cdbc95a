"""Liveness of processes without an API (relays, workers): a heartbeat their loop beats, and
a small HTTP server answering /health/live for Kubernetes and compose probes, and /metrics
for Prometheus (``ms_platform.metrics``).

A loop that stops turning (a hung client, a blocked event loop) stops beating; after
``max_silence_s`` the probe answers 503 and the orchestrator restarts the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Callable, Iterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ms_platform.metrics import metrics_response


class Liveness:
    """The heartbeat of one process loop."""

    def __init__(self, max_silence_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._max_silence_s = max_silence_s
        self._last = clock()

    def beat(self) -> None:
        self._last = self._clock()

    @property
    def silence_s(self) -> float:
        return self._clock() - self._last

    def alive(self) -> bool:
        return self.silence_s <= self._max_silence_s


def probe_app(liveness: Liveness) -> Starlette:
    async def live(_: Request) -> JSONResponse:
        silence = round(liveness.silence_s, 1)
        if liveness.alive():
            return JSONResponse({"status": "ok", "silence_s": silence})
        return JSONResponse(
            {"type": "https://errors.memberspace.example/process-stalled", "title": "Process stalled",
             "status": 503, "detail": f"no progress for {silence} s"},
            status_code=503, media_type="application/problem+json")

    async def metrics(request: Request) -> Response:
        return metrics_response(request.headers.get("accept"))

    return Starlette(routes=[Route("/health/live", live), Route("/metrics", metrics)])


class _ProbeServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The process's own SIGTERM handler stops everything, this server included.
        yield


async def serve_probe(liveness: Liveness, host: str, port: int, stop: asyncio.Event) -> None:
    """Answer /health/live and /metrics on host:port until ``stop`` is set."""
    config = uvicorn.Config(probe_app(liveness), host=host, port=port, log_config=None,
                            access_log=False, lifespan="off")
    server = _ProbeServer(config)
    task = asyncio.create_task(server.serve())
    try:
        await stop.wait()
    finally:
        server.should_exit = True
        await task
