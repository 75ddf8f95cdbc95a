"""The only place that reads settings and wires affiliation's parts together."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import AsyncIterator

from fastapi import FastAPI

from affiliation.adapters.pages_cache import PagesCache
from affiliation.app.affiliations import Rules, run_processor
from affiliation.domain.rules import BusinessDays
from affiliation.entrypoints.http import ROUTERS
from affiliation.entrypoints.worker import subscriptions
from affiliation.settings import AffiliationSettings
from ms_events import outbox
from ms_events.runtime import run_worker as run_platform_worker
from ms_platform.app import create_app as create_platform_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def load_settings() -> AffiliationSettings:
    return AffiliationSettings()  # type: ignore[call-arg]  (read from the environment)


def rules(cfg: AffiliationSettings) -> Rules:
    return Rules(BusinessDays(cfg.timezone, cfg.holiday_country, cfg.holiday_subdivision),
                 processing_business_days=cfg.processing_business_days,
                 max_retroactive_days=cfg.max_retroactive_days, max_future_days=cfg.max_future_days)


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: AffiliationSettings | None = None) -> FastAPI:
    cfg = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with PagesCache(cfg.dsn) as app.state.pages_cache:
            yield

    app = create_platform_app(cfg, title="affiliation", routers=ROUTERS, lifespan=lifespan,
                              description="Affiliation: the employer space — companies, their group contracts and "
                                          "employer users, employees' affiliation online and offline, invitations, "
                                          "the employee list and the company journal.")
    # Published events reach the outbox in the use case's transaction.
    app.state.unit_of_work = outbox.unit_of_work
    app.state.settings = cfg
    app.state.affiliation_rules = rules(cfg)
    app.state.clock = utc_now
    return app


def run_worker(settings: AffiliationSettings) -> None:
    """Consume the events of entrypoints/worker.py as consumer group "affiliation", and process the
    received online requests (AF-3) in the same process."""

    def extra_tasks(pool, stop: asyncio.Event) -> list:
        return [run_processor(outbox.unit_of_work(pool), rules(settings), stop, settings.processing_interval_s,
                              settings.processing_batch_size)]

    run_platform_worker(settings, subscriptions(), extra_tasks=extra_tasks)
