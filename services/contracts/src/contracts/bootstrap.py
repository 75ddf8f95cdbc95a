"""The one place that reads settings and wires the contracts service together."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import AsyncIterator, Callable
from zoneinfo import ZoneInfo

import structlog
from fastapi import FastAPI

from contracts.adapters.claims_client import ClaimsClient
from contracts.adapters.listing_cache import ListingCache
from contracts.adapters.offer_cache import OfferCache
from contracts.domain.imports import ImportRules
from contracts.domain.documents import Insurer
from contracts.entrypoints.http import ROUTERS
from contracts.settings import ContractsSettings
from ms_events import outbox
from ms_platform.app import create_app as create_platform_app
from ms_platform.service_tokens import ClientCredentials, client_credentials
from ms_platform.settings import InsecureSettingsError

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@lru_cache
def load_settings() -> ContractsSettings:
    return ContractsSettings()  # type: ignore[call-arg]  (read from the environment)


settings = load_settings  # what ``python -m contracts`` and the tests call


def import_rules(cfg: ContractsSettings) -> ImportRules:
    return ImportRules(
        contract_number_pattern=cfg.contract_number_pattern,
        member_number_pattern=cfg.member_number_pattern,
        adult_age=cfg.adult_age,
        max_lines=cfg.max_import_lines,
    )


def clock(cfg: ContractsSettings) -> Callable[[], date]:
    zone = ZoneInfo(cfg.timezone)
    return lambda: datetime.now(zone).date()


def service_tokens(cfg: ContractsSettings) -> ClientCredentials | None:
    """This service's tokens for calling claims (ADR 0007, 0015). A deployment that gave it no
    secret still starts: its calls to claims are then refused (401), answered as claims unavailable."""
    try:
        return client_credentials(cfg)
    except InsecureSettingsError:
        structlog.get_logger().warning("service_tokens.no_secret", calls="claims")
        return None


def create_app(settings: ContractsSettings | None = None) -> FastAPI:
    cfg = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with ListingCache(cfg.dsn) as app.state.listing_cache:
            app.state.offer_cache = OfferCache(app.state.listing_cache)  # the same channel: one catch-up per write
            tokens = service_tokens(cfg)
            app.state.claims = ClaimsClient(cfg.claims_url, cfg.claims_timeout_s, tokens)  # home summary (CL-1)
            try:
                yield
            finally:
                await app.state.claims.close()
                if tokens is not None:
                    await tokens.close()

    app = create_platform_app(cfg, title="contracts", routers=ROUTERS,
                              lifespan=lifespan,
                              description="Contracts registry: products, contracts, holders, beneficiaries.")
    app.state.unit_of_work = outbox.unit_of_work
    app.state.import_rules = import_rules(cfg)
    app.state.clock = clock(cfg)
    app.state.insurer = Insurer(cfg.insurer_name, cfg.amc_number, cfg.convention_type, cfg.routing_criterion)
    app.state.settings = cfg
    return app


def seed_command(argv: list[str]) -> None:
    from contracts.entrypoints.cli import seed

    cfg = load_settings()
    seed(argv, dsn=cfg.dsn, rules=import_rules(cfg), today=clock(cfg))


def import_command(argv: list[str]) -> None:
    from contracts.entrypoints.cli import import_files

    cfg = load_settings()
    import_files(argv, dsn=cfg.dsn, rules=import_rules(cfg), today=clock(cfg))


def build_handlers(cfg: ContractsSettings) -> dict[str, str]:
    """What the worker's handlers need from the settings: the group products per category (AF-3)."""
    return dict(cfg.group_products)


def run_worker(cfg: ContractsSettings) -> None:
    """Consume the events of ``entrypoints.worker``, as consumer group "contracts"."""
    from contracts.entrypoints.worker import subscriptions
    from ms_events import runtime

    runtime.run_worker(cfg, subscriptions(build_handlers(cfg)))
