"""The only place that reads settings and wires webhooks's parts together."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI

from ms_events import outbox
from ms_events.runtime import run_process
from ms_events.runtime import run_worker as run_platform_worker
from ms_platform.app import create_app as create_platform_app
from ms_platform.probe import Liveness

from webhooks.adapters.secret_box import SecretBox
from webhooks.adapters.sender import Sender
from webhooks.app.subscriptions import Rules
from webhooks.domain.retry import RetryPolicy
from webhooks.entrypoints.http import ROUTERS
from webhooks.entrypoints.worker import subscriptions
from webhooks.settings import WebhooksSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@lru_cache
def load_settings() -> WebhooksSettings:
    return WebhooksSettings()  # type: ignore[call-arg]  (read from the environment)


def secret_box(settings: WebhooksSettings) -> SecretBox:
    return SecretBox(settings.sealing_keys())


def rules(settings: WebhooksSettings) -> Rules:
    return Rules(allow_http_loopback=settings.allow_http_loopback, max_subscriptions=settings.max_subscriptions,
                 rotation_overlap_s=settings.rotation_overlap_s)


def retry_policy(settings: WebhooksSettings) -> RetryPolicy:
    return RetryPolicy(max_attempts=settings.max_attempts, first_backoff_s=settings.first_backoff_s,
                       max_backoff_s=settings.max_backoff_s, max_age_s=settings.max_age_s)


def create_app(settings: WebhooksSettings | None = None) -> FastAPI:
    cfg = settings or load_settings()
    app = create_platform_app(cfg, title="webhooks", routers=ROUTERS,
                              description="Signed webhooks (Standard Webhooks) carrying the platform's public "
                                          "events to integrators who cannot read Kafka: subscriptions and "
                                          "deliveries, for operators.")
    app.state.unit_of_work = outbox.unit_of_work
    app.state.settings = cfg
    app.state.secret_box = secret_box(cfg)
    app.state.rules = rules(cfg)
    return app


def build_dispatcher(settings: WebhooksSettings, pool, sender: Sender, liveness: Liveness | None = None):
    # Imported here: its metrics belong to the dispatcher process only (not the api's /metrics).
    from webhooks.app.dispatcher import Dispatcher

    return Dispatcher(pool, sender, secret_box(settings), retry_policy(settings),
                      batch_size=settings.dispatch_batch_size, poll_interval_s=settings.dispatch_poll_interval_s,
                      timeout_s=settings.http_timeout_s, backlog_every_s=settings.backlog_every_s,
                      retention_s=settings.delivered_retention_s, liveness=liveness)


def run_worker(settings: WebhooksSettings) -> None:
    """Consume every event a webhook may carry as consumer group "webhooks"; queue deliveries."""
    run_platform_worker(settings, subscriptions())


def run_dispatcher(settings: WebhooksSettings) -> None:
    """Post due deliveries until SIGTERM (``python -m webhooks dispatcher``)."""

    def tasks(pool, liveness: Liveness, stop: asyncio.Event) -> list:
        async def dispatch() -> None:
            sender = Sender(settings.http_timeout_s)
            try:
                await build_dispatcher(settings, pool, sender, liveness).run(stop)
            finally:
                await sender.close()

        return [dispatch()]

    run_process(settings, "dispatcher", tasks)
