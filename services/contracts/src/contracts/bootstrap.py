"""The one place that reads settings and wires the contracts service together."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import AsyncIterator, Callable
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from contracts.adapters.listing_cache import ListingCache
from contracts.domain.imports import ImportRules
from contracts.domain.documents import Insurer
from contracts.entrypoints import (http_bank_accounts, http_beneficiaries, http_coverage, http_documents,
                                   http_home, http_privacy, http_requests, http_terminations)
from contracts.entrypoints.http import internal, router
from contracts.settings import ContractsSettings
from ms_platform.app import create_app as create_platform_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@lru_cache
def settings() -> ContractsSettings:
    return ContractsSettings()  # type: ignore[call-arg]  (read from the environment)


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


def member_routers() -> list:
    return [http_coverage.router, http_documents.router, http_beneficiaries.router,
            http_terminations.router, http_bank_accounts.router,
            http_requests.router, http_privacy.router]


def create_app(cfg: ContractsSettings | None = None) -> FastAPI:
    cfg = cfg or settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with ListingCache(cfg.dsn) as app.state.listing_cache:
            yield

    app = create_platform_app(cfg, title="contracts", routers=[http_home.router, router, internal, *member_routers()],
                              lifespan=lifespan,
                              description="Contracts registry: products, contracts, holders, beneficiaries.")
    app.state.import_rules = import_rules(cfg)
    app.state.clock = clock(cfg)
    app.state.insurer = Insurer(cfg.insurer_name, cfg.amc_number, cfg.convention_type, cfg.routing_criterion)
    app.state.settings = cfg
    return app


def seed_command(argv: list[str]) -> None:
    from contracts.entrypoints.cli import seed

    cfg = settings()
    seed(argv, dsn=cfg.dsn, rules=import_rules(cfg), today=clock(cfg))


def import_command(argv: list[str]) -> None:
    from contracts.entrypoints.cli import import_files

    cfg = settings()
    import_files(argv, dsn=cfg.dsn, rules=import_rules(cfg), today=clock(cfg))


def handlers() -> dict:
    """The events contracts consumes, as consumer group "contracts"."""
    from contracts.app.privacy import erase_account
    from ms_events.events.identity import AccountDeleted

    return {AccountDeleted: erase_account}


def worker(cfg: ContractsSettings) -> None:
    from ms_events.runtime import run_worker

    run_worker(cfg, handlers())
