"""The only place that reads settings and wires callback's parts together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from callback.entrypoints.http import ROUTERS
from callback.entrypoints.worker import subscriptions
from callback.settings import CallbackSettings
from ms_events import outbox
from ms_events.runtime import run_worker as run_platform_worker
from ms_platform.app import create_app as create_platform_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def load_settings() -> CallbackSettings:
    return CallbackSettings()  # type: ignore[call-arg]  (read from the environment)


def create_app(settings: CallbackSettings | None = None) -> FastAPI:
    cfg = settings or load_settings()
    app = create_platform_app(cfg, title="callback", routers=ROUTERS, description="Callback: callbacks, contact requests and complaints.")
    # Published events reach the outbox in the use case's transaction.
    app.state.unit_of_work = outbox.unit_of_work
    app.state.settings = cfg
    return app


def run_worker(settings: CallbackSettings) -> None:
    """Consume the events of entrypoints/worker.py as consumer group "callback"."""
    run_platform_worker(settings, subscriptions())
