"""The only place that reads settings and wires webhooks's parts together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from webhooks.entrypoints.http import ROUTERS
from webhooks.entrypoints.worker import subscriptions
from webhooks.settings import WebhooksSettings
from ms_events import outbox
from ms_events.runtime import run_worker as run_platform_worker
from ms_platform.app import create_app as create_platform_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def load_settings() -> WebhooksSettings:
    return WebhooksSettings()  # type: ignore[call-arg]  (read from the environment)


def create_app(settings: WebhooksSettings | None = None) -> FastAPI:
    cfg = settings or load_settings()
    app = create_platform_app(cfg, title="webhooks", routers=ROUTERS, description="Webhooks: signed webhooks for integrators who cannot read Kafka.")
    # Published events reach the outbox in the use case's transaction.
    app.state.unit_of_work = outbox.unit_of_work
    app.state.settings = cfg
    return app


def run_worker(settings: WebhooksSettings) -> None:
    """Consume the events of entrypoints/worker.py as consumer group "webhooks"."""
    run_platform_worker(settings, subscriptions())
