"""The only place that reads settings and wires notify's parts together."""

from __future__ import annotations

import asyncio

import asyncpg
from fastapi import FastAPI

from ms_events.runtime import run_worker
from ms_platform.app import create_app as create_platform_app

from notify.adapters.smtp import SmtpConfig, SmtpSender
from notify.adapters.templates import TemplateRenderer
from notify.app.dispatcher import Dispatcher
from notify.app.handlers import NotifyHandlers
from notify.domain.messages import Brand
from notify.domain.model import RetryPolicy
from notify.entrypoints.http import router
from notify.settings import NotifySettings


def create_app(settings: NotifySettings | None = None) -> FastAPI:
    settings = settings or NotifySettings()
    return create_platform_app(
        settings,
        title="notify",
        description="Every message the platform sends: deliveries and their outcome.",
        routers=[router],
    )


def build_handlers(settings: NotifySettings) -> NotifyHandlers:
    brand = Brand(settings.insurer_name, settings.insurer_phone, settings.public_url)
    return NotifyHandlers(TemplateRenderer(), brand)


def smtp_config(settings: NotifySettings) -> SmtpConfig:
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        mail_from=settings.mail_from,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        starttls=settings.smtp_starttls,
        timeout_s=settings.smtp_timeout_s,
    )


def build_dispatcher(settings: NotifySettings, pool: asyncpg.Pool) -> Dispatcher:
    policy = RetryPolicy(
        max_attempts=settings.delivery_max_attempts,
        first_backoff_s=settings.delivery_first_backoff_s,
        max_backoff_s=settings.delivery_max_backoff_s,
    )
    return Dispatcher(
        pool,
        SmtpSender(smtp_config(settings)),
        policy,
        batch_size=settings.dispatch_batch_size,
        poll_interval_s=settings.dispatch_poll_interval_s,
    )


def run_notify_worker(settings: NotifySettings) -> None:
    """Consume identity events and run the dispatcher in the same process."""

    def extra_tasks(pool: asyncpg.Pool, stop: asyncio.Event) -> list:
        return [build_dispatcher(settings, pool).run(stop)]

    run_worker(settings, build_handlers(settings).subscriptions(), extra_tasks=extra_tasks)
