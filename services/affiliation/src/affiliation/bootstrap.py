"""The only place that reads settings and wires affiliation's parts together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from affiliation.entrypoints.http import ROUTERS
from affiliation.entrypoints.worker import subscriptions
from affiliation.settings import AffiliationSettings
from ms_events import outbox
from ms_events.runtime import run_worker as run_platform_worker
from ms_platform.app import create_app as create_platform_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def load_settings() -> AffiliationSettings:
    return AffiliationSettings()  # type: ignore[call-arg]  (read from the environment)


def create_app(settings: AffiliationSettings | None = None) -> FastAPI:
    cfg = settings or load_settings()
    app = create_platform_app(cfg, title="affiliation", routers=ROUTERS, description="Affiliation: companies, employer users and employee affiliation.")
    # Published events reach the outbox in the use case's transaction.
    app.state.unit_of_work = outbox.unit_of_work
    app.state.settings = cfg
    return app


def run_worker(settings: AffiliationSettings) -> None:
    """Consume the events of entrypoints/worker.py as consumer group "affiliation"."""
    run_platform_worker(settings, subscriptions())
