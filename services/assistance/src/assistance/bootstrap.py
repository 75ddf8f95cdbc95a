"""The only place that reads settings and wires assistance's parts together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from assistance.entrypoints.http import ROUTERS
from assistance.entrypoints.worker import subscriptions
from assistance.settings import AssistanceSettings
from ms_events import outbox
from ms_events.runtime import run_worker as run_platform_worker
from ms_platform.app import create_app as create_platform_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def load_settings() -> AssistanceSettings:
    return AssistanceSettings()  # type: ignore[call-arg]  (read from the environment)


def create_app(settings: AssistanceSettings | None = None) -> FastAPI:
    cfg = settings or load_settings()
    app = create_platform_app(cfg, title="assistance", routers=ROUTERS, description="Assistance: life events, assistance services and case opening.")
    # Published events reach the outbox in the use case's transaction.
    app.state.unit_of_work = outbox.unit_of_work
    app.state.settings = cfg
    return app


def run_worker(settings: AssistanceSettings) -> None:
    """Consume the events of entrypoints/worker.py as consumer group "assistance"."""
    run_platform_worker(settings, subscriptions())
