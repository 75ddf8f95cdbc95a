"""Operator commands: accounts that never come from public sign-up."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from identity.app.commands import CreateStaffAccount
from identity.app.handlers import create_staff_account
from ms_platform.db import create_pool
from ms_platform.errors import DomainError


def create_staff(argv: list[str]) -> None:
    """create-staff --kind operator --email E --first-name F --last-name L (password on stdin)."""
    parser = argparse.ArgumentParser(prog="python -m identity create-staff")
    parser.add_argument("--kind", required=True, choices=["employer", "broker", "agent", "operator"])
    parser.add_argument("--email", required=True)
    parser.add_argument("--first-name", required=True)
    parser.add_argument("--last-name", required=True)
    parser.add_argument("--company-siren", help="employer users: the SIREN of their company")
    args = parser.parse_args(argv)
    password = os.environ.pop("STAFF_PASSWORD", None) or (
        sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass("Password: ")
    )
    from identity.bootstrap import services, settings

    async def run() -> None:
        s = settings()
        pool = await create_pool(s.dsn, min_size=1, max_size=2)
        try:
            async with services(s, pool) as svc:
                account_id = await create_staff_account(svc, CreateStaffAccount(
                    args.kind, args.email, args.first_name, args.last_name, password, args.company_siren))
                print(account_id)
        finally:
            await pool.close()

    try:
        asyncio.run(run())
    except DomainError as exc:
        print(f"refused: {exc.detail}", file=sys.stderr)
        raise SystemExit(1) from exc
    except ValueError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc
