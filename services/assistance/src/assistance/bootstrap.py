"""The only place that reads settings and wires assistance's parts together."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import AsyncIterator

from fastapi import FastAPI

from assistance.adapters.carrier import CarrierClient
from assistance.adapters.contracts import ContractsClient
from assistance.adapters.contracts_cache import ContractsCache
from assistance.app import context
from assistance.app.context import Assistance
from assistance.app.addresses import run_carrier_sweeper
from assistance.entrypoints.http import ROUTERS
from assistance.entrypoints.worker import subscriptions
from assistance.settings import AssistanceSettings
from ms_events import outbox
from ms_events.runtime import run_worker as run_platform_worker
from ms_platform.app import create_app as create_platform_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def load_settings() -> AssistanceSettings:
    return AssistanceSettings()  # type: ignore[call-arg]  (read from the environment)


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: AssistanceSettings | None = None) -> FastAPI:
    cfg = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.contracts = ContractsClient(cfg.contracts_url, cfg.contracts_timeout_s)
        try:
            async with ContractsCache(cfg.dsn) as app.state.contracts_cache:
                yield
        finally:
            await app.state.contracts.aclose()

    app = create_platform_app(cfg, title="assistance", routers=ROUTERS, lifespan=lifespan,
                              description="Assistance: life events, assistance services (included in the contract), "
                                          "requests, cases, addresses and school trips.")
    # Published events reach the outbox in the use case's transaction.
    app.state.unit_of_work = outbox.unit_of_work
    app.state.settings = cfg
    app.state.assistance = context.build(cfg)
    app.state.clock = utc_now
    return app


def build_handlers(settings: AssistanceSettings) -> Assistance:
    """What the worker's handlers need (the guarantees, slots, the health data cipher, postcodes)."""
    return context.build(settings)


def run_worker(settings: AssistanceSettings) -> None:
    """The case-opening worker: consume the events of entrypoints/worker.py as consumer group
    "assistance", and send school trips to the carrier in the same process."""
    ctx = build_handlers(settings)

    def extra_tasks(pool, stop: asyncio.Event) -> list:
        carrier = CarrierClient(settings.carrier_url, settings.carrier_api_key(), settings.carrier_timeout_s)
        return [run_carrier_sweeper(pool, carrier, stop, settings.carrier_sweep_interval_s, settings.carrier_batch_size)]

    run_platform_worker(settings, subscriptions(ctx), extra_tasks=extra_tasks)
