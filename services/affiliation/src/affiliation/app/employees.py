"""The employee list (AF-4): every affiliated employee, online or offline, filterable, paged by
name, and downloadable as CSV or XLSX, streamed from a server-side cursor so that a company of
50,000 employees never sits in memory."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import tempfile
import uuid
from dataclasses import dataclass
from typing import Any, AsyncIterator

import xlsxwriter

from affiliation.adapters import repository as repo
from affiliation.app.companies import existing_company
from affiliation.domain.errors import InvalidField
from ms_platform.text import refused_characters
from ms_platform.uow import UnitOfWork

# The columns of the downloads, in order (French headers: the employer's spreadsheet).
COLUMNS = (
    ("last_name", "Nom"), ("first_name", "Prénom"), ("birth_date", "Date de naissance"),
    ("nir", "N° de sécurité sociale"), ("email", "Email"), ("contract_number", "Contrat"),
    ("contract_label", "Libellé du contrat"), ("options", "Options"), ("start_date", "Date d'affiliation"),
    ("source", "Mode d'affiliation"),
)
SOURCES = {"online": "En ligne", "offline": "Hors ligne"}


@dataclass(frozen=True)
class Filters:
    q: str | None = None
    group_contract_id: uuid.UUID | None = None
    source: str | None = None


def encode_cursor(row: dict[str, Any]) -> str:
    raw = json.dumps([row["last_name"], row["first_name"], str(row["id"])])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str, uuid.UUID]:
    try:
        last, first, ident = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(last, str) or not isinstance(first, str) or refused_characters(last + first):
            raise ValueError("not a cursor of ours")
        return last, first, uuid.UUID(ident)
    except (ValueError, TypeError):
        raise InvalidField("cursor", "Curseur de page invalide : reprenez le lien de la page précédente.") from None


async def page(uow: UnitOfWork, siren: str, filters: Filters, cursor: str | None, limit: int) -> dict[str, Any]:
    after = decode_cursor(cursor) if cursor else None
    async with uow.connect() as conn:
        rows = await repo.employees_page(conn, siren, q=filters.q, group_contract_id=filters.group_contract_id,
                                         source=filters.source, after=after, limit=limit + 1)
        if not rows:
            # An employee row names its company (foreign key): only an empty page asks whether the
            # company exists (an empty list, or 404).
            await existing_company(conn, siren)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": encode_cursor(rows[-1]) if more else None}


def _cells(row: dict[str, Any]) -> list[str]:
    out = []
    for key, _ in COLUMNS:
        value = row.get(key)
        if key == "options":
            value = ", ".join(value or [])
        elif key == "source":
            value = SOURCES.get(value, value)
        elif hasattr(value, "strftime"):
            value = value.strftime("%d/%m/%Y")
        out.append("" if value is None else str(value))
    return out


def _safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection: = + - @ tab CR)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


async def check_company(uow: UnitOfWork, siren: str) -> None:
    async with uow.connect() as conn:
        await existing_company(conn, siren)


async def csv_chunks(uow: UnitOfWork, siren: str, filters: Filters, rows_per_chunk: int = 500) -> AsyncIterator[bytes]:
    """The CSV (UTF-8 with BOM, semicolons: what French spreadsheets open), a chunk at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    buffer.write("\ufeff")
    writer.writerow([title for _, title in COLUMNS])
    async with uow.begin() as tx:  # a cursor needs a transaction
        count = 0
        async for row in repo.stream_employees(tx.conn, siren, q=filters.q, group_contract_id=filters.group_contract_id,
                                               source=filters.source):
            writer.writerow([_safe(c) for c in _cells(row)])
            count += 1
            if count % rows_per_chunk == 0:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode()


async def xlsx_chunks(uow: UnitOfWork, siren: str, filters: Filters, chunk_size: int = 256 * 1024) -> AsyncIterator[bytes]:
    """The XLSX, written by xlsxwriter in constant-memory mode (each row flushed to a temporary
    file as it is written) to a temporary file, then streamed and deleted."""
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="affiliation-export-")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                              "strings_to_urls": False})
        sheet = workbook.add_worksheet("Salariés")
        sheet.write_row(0, 0, [title for _, title in COLUMNS])
        async with uow.begin() as tx:
            n = 1
            async for row in repo.stream_employees(tx.conn, siren, q=filters.q,
                                                   group_contract_id=filters.group_contract_id, source=filters.source):
                sheet.write_row(n, 0, _cells(row))
                n += 1
        workbook.close()
        with open(path, "rb") as f:
            while chunk := f.read(chunk_size):
                yield chunk
    finally:
        os.unlink(path)
