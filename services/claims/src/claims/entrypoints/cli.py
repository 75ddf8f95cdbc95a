"""Operator command: statement lines from a JSON file (a list of lines, or ``{"lines": [...]}``);
prints the report on stdout, exits 1 when lines were refused (the valid ones are recorded anyway)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, Callable

import structlog

from claims.app.statements import import_lines
from ms_events import outbox
from ms_platform.db import create_pool


def _lines(path: Path) -> list[Any]:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"cannot read {path}: {exc}") from exc
    if isinstance(content, dict) and set(content) == {"lines"}:
        content = content["lines"]
    if not isinstance(content, list):
        raise SystemExit(f"{path}: a JSON list of statement lines, or an object with a list lines, is expected")
    return content


async def _run(dsn: str, lines: list[Any], day: date) -> dict[str, Any]:
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        return (await import_lines(outbox.unit_of_work(pool), lines, day)).as_dict()
    finally:
        await pool.close()


def import_file(argv: list[str], *, dsn: str, max_lines: int, today: Callable[[], date]) -> None:
    parser = argparse.ArgumentParser(prog="python -m claims import")
    parser.add_argument("lines", type=Path)
    args = parser.parse_args(argv)
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))  # stdout: the report only
    lines = _lines(args.lines)
    if len(lines) > max_lines:
        raise SystemExit(f"{args.lines}: {len(lines)} lines, at most {max_lines} per import: split the file")
    report = asyncio.run(_run(dsn, lines, today()))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    raise SystemExit(1 if report["refused"] else 0)
