"""The only place that reads settings and wires notify's parts together."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path

import asyncpg
from fastapi import FastAPI

from ms_events import outbox, runtime
from ms_platform.app import create_app as create_platform_app

from notify.adapters.letters import LetterSender, LocalPrintQueue
from notify.adapters.sending import ChannelRouter
from notify.adapters.smtp import SmtpConfig, SmtpSender
from notify.adapters.sms import SmsConfig, SmsSender
from notify.adapters.templates import TemplateRenderer
from notify.app.dispatcher import Dispatcher
from notify.app.handlers import NotifyHandlers
from notify.domain.messages import Brand
from notify.domain.model import RetryPolicy
from notify.entrypoints.http import ROUTERS
from notify.entrypoints.worker import subscriptions
from notify.settings import NotifySettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@lru_cache
def load_settings() -> NotifySettings:
    return NotifySettings()  # type: ignore[call-arg]  (read from the environment)


settings = load_settings  # what ``python -m notify`` calls


def create_app(settings: NotifySettings | None = None) -> FastAPI:
    app = create_platform_app(
        settings or load_settings(),
        title="notify",
        description="Every message the platform sends: deliveries and their outcome.",
        routers=ROUTERS,
    )
    app.state.unit_of_work = outbox.unit_of_work
    return app


def brand(settings: NotifySettings) -> Brand:
    return Brand(settings.insurer_name, settings.insurer_phone, settings.public_url,
                 settings.insurer_address, settings.insurer_email)


def build_handlers(settings: NotifySettings) -> NotifyHandlers:
    return NotifyHandlers(TemplateRenderer(), brand(settings))


def build_senders(settings: NotifySettings) -> ChannelRouter:
    """One sender per channel: SMTP relay, SMS provider API, print queue."""
    sms = SmsConfig(settings.sms_provider_url, settings.sms_provider_key.get_secret_value(),
                    settings.sms_sender, settings.sms_timeout_s)
    sender_lines = [line.strip() for line in settings.insurer_address.split(",")]
    return ChannelRouter({
        "email": SmtpSender(smtp_config(settings), connections=settings.dispatch_concurrency),
        "sms": SmsSender(sms),
        "letter": LetterSender(LocalPrintQueue(settings.letter_outbox), sender_lines),
    })


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
        build_senders(settings),
        policy,
        batch_size=settings.dispatch_batch_size,
        poll_interval_s=settings.dispatch_poll_interval_s,
        concurrency=settings.dispatch_concurrency,
    )


def run_worker(settings: NotifySettings) -> None:
    """Consume identity events and run the dispatcher in the same process."""

    def extra_tasks(pool: asyncpg.Pool, stop: asyncio.Event) -> list:
        return [build_dispatcher(settings, pool).run(stop)]

    runtime.run_worker(settings, subscriptions(build_handlers(settings)), extra_tasks=extra_tasks)
