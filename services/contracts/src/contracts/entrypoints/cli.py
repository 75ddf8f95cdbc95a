"""Operator commands: load products and contract lines from JSON files, print the report."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, Callable

import structlog
from pydantic import TypeAdapter, ValidationError

from contracts.app.handlers import import_reference_data
from contracts.adapters import broker as broker_repo
from contracts.domain.imports import ImportRules, ProductLine, shape_errors
from contracts.domain.offers import OffersFile
from ms_events import outbox
from ms_platform.db import create_pool

_PRODUCTS = TypeAdapter(list[ProductLine])


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"cannot read {path}: {exc}") from exc


def _products(path: Path | None) -> list[ProductLine]:
    if path is None:
        return []
    try:
        return _PRODUCTS.validate_python(_read_json(path))
    except ValidationError as exc:
        for error in shape_errors(exc):
            print(f"{path}: {error.field}: {error.message}", file=sys.stderr)
        raise SystemExit(2) from exc


def _offers(path: Path | None) -> OffersFile | None:
    """The broker offers and tariff rules (BR-1, BR-2), when the file exists."""
    if path is None or not path.exists():
        return None
    try:
        return OffersFile.model_validate(_read_json(path))
    except ValidationError as exc:
        for error in shape_errors(exc):
            print(f"{path}: {error.field}: {error.message}", file=sys.stderr)
        raise SystemExit(2) from exc


async def _run(dsn: str, products: list[ProductLine], members: list[Any], schedules: list[Any],
               rules: ImportRules, day: date, offers: OffersFile | None = None) -> dict:
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        report = await import_reference_data(outbox.unit_of_work(pool), products, members, rules, day, schedules)
        if offers is not None:  # after the products they name
            async with outbox.unit_of_work(pool).begin() as tx:
                await broker_repo.upsert_offers(tx.conn, offers)
    finally:
        await pool.close()
    return report.as_dict()


def _member_file(path: Path) -> tuple[list[Any], list[Any]]:
    """A list of contract lines, or ``{"members": [...], "schedules": [...]}`` (both optional)."""
    content = _read_json(path)
    if isinstance(content, list):
        return content, []
    if isinstance(content, dict) and set(content) <= {"members", "schedules"} \
            and all(isinstance(v, list) for v in content.values()):
        return content.get("members", []), content.get("schedules", [])
    raise SystemExit(f"{path}: a JSON list of contract lines, or an object with lists members and schedules, is expected")


def _import(members_path: Path, products_path: Path | None, dsn: str, rules: ImportRules,
            today: Callable[[], date], offers_path: Path | None = None) -> None:
    # stdout carries the report only; logs go to stderr.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    members, schedules = _member_file(members_path)
    products = _products(products_path)
    offers = _offers(offers_path)
    report = asyncio.run(_run(dsn, products, members, schedules, rules, today(), offers))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    # Non-zero when lines were refused, so scripts notice; the valid lines are registered anyway.
    raise SystemExit(1 if report["refused"] else 0)


def seed(argv: list[str], *, dsn: str, rules: ImportRules, today: Callable[[], date]) -> None:
    """``seed <members.json>``: products.json and broker_offers.json are read from the same folder."""
    parser = argparse.ArgumentParser(prog="python -m contracts seed")
    parser.add_argument("members", type=Path)
    args = parser.parse_args(argv)
    products = args.members.parent / "products.json"
    _import(args.members, products if products.exists() else None, dsn, rules, today,
            args.members.parent / "broker_offers.json")


def import_files(argv: list[str], *, dsn: str, rules: ImportRules, today: Callable[[], date]) -> None:
    """``import <members.json> [--products <products.json>]``."""
    parser = argparse.ArgumentParser(prog="python -m contracts import")
    parser.add_argument("members", type=Path)
    parser.add_argument("--products", type=Path, default=None)
    args = parser.parse_args(argv)
    _import(args.members, args.products, dsn, rules, today)
