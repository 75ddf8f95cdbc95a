"""The only place that reads settings and wires callback's parts together."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from typing import AsyncIterator

from fastapi import FastAPI

from callback.adapters.contracts import ContractsClient
from callback.adapters.identity import IdentityClient
from callback.adapters.slots_cache import SlotsCache
from callback.app.callbacks import Rules
from callback.app.contact import ContactRules
from callback.app.partners import PartnerRules
from callback.app.reminders import run_sweeper
from callback.domain.calendar import Calendar
from callback.domain.contact import DeadlineRules
from callback.entrypoints.http import ROUTERS
from callback.entrypoints.worker import subscriptions
from callback.settings import CallbackSettings
from ms_events import outbox
from ms_events.runtime import run_worker as run_platform_worker
from ms_platform.app import create_app as create_platform_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def load_settings() -> CallbackSettings:
    return CallbackSettings()  # type: ignore[call-arg]  (read from the environment)


def calendar(cfg: CallbackSettings) -> Calendar:
    return Calendar(cfg.opening(), slot_minutes=cfg.slot_minutes, timezone=cfg.timezone,
                    min_lead_minutes=cfg.min_lead_minutes, horizon_days=cfg.horizon_days,
                    holiday_country=cfg.holiday_country, holiday_subdivision=cfg.holiday_subdivision)


def rules(cfg: CallbackSettings) -> Rules:
    return Rules(calendar(cfg), default_capacity=cfg.default_slot_capacity, suggested_slots=cfg.suggested_slots,
                 reminder_hour=cfg.reminder_hour, max_open_per_account=cfg.max_open_callbacks_per_account,
                 max_open_per_phone=cfg.max_open_callbacks_per_phone)


def contact_rules(cfg: CallbackSettings) -> ContactRules:
    deadlines = DeadlineRules(cfg.complaint_ack_business_days, cfg.complaint_answer_months, cfg.request_answer_hours)
    return ContactRules(calendar(cfg), deadlines, cfg.max_attachments, cfg.max_attachment_bytes,
                        cfg.max_attachments_total_bytes)


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: CallbackSettings | None = None) -> FastAPI:
    cfg = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.contracts = ContractsClient(cfg.contracts_url, cfg.contracts_timeout_s)
        app.state.identity = IdentityClient(cfg.identity_url, cfg.identity_timeout_s)
        try:
            async with SlotsCache(cfg.dsn) as app.state.slots_cache:
                yield
        finally:
            await app.state.contracts.aclose()
            await app.state.identity.aclose()

    app = create_platform_app(cfg, title="callback", routers=ROUTERS, lifespan=lifespan,
                              description="Callback: callbacks (« Je souhaite être rappelé »), contact requests "
                                          "and complaints.")
    # Published events reach the outbox in the use case's transaction.
    app.state.unit_of_work = outbox.unit_of_work
    app.state.settings = cfg
    app.state.callback_rules = rules(cfg)
    app.state.contact_rules = contact_rules(cfg)
    app.state.partner_rules = PartnerRules(calendar(cfg), cfg.partner_answer_business_hours)
    app.state.clock = utc_now
    return app


def run_worker(settings: CallbackSettings) -> None:
    """Consume the events of entrypoints/worker.py as consumer group "callback", and sweep the
    SMS reminders that fall due (CallbackReminderDue) in the same process."""

    def extra_tasks(pool, stop: asyncio.Event) -> list:
        return [run_sweeper(outbox.unit_of_work(pool), stop, settings.reminder_sweep_interval_s,
                            settings.reminder_batch_size,
                            anonymous_retention_days=settings.anonymous_retention_days)]

    run_platform_worker(settings, subscriptions(), extra_tasks=extra_tasks)
