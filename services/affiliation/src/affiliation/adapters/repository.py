"""SQL for companies, group contracts, requests, employees, invitations and the journal; every
function takes the connection of the caller's unit of work."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any, AsyncIterator

import asyncpg

from affiliation.domain.rules import GroupContract, searchable

def _json(value: Any) -> Any:
    """A jsonb value as the platform's pool decodes it (json.loads codec, ms_platform.db)."""
    return json.loads(value) if isinstance(value, str) else value


def _contains(text: str) -> str:
    """An ILIKE pattern matching ``text`` anywhere, its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# ---- companies and group contracts ------------------------------------------------------------


async def add_company(conn: asyncpg.Connection, siren: str, name: str, notice_email: str, now: datetime) -> bool:
    status = await conn.execute(
        "insert into company (siren, name, notice_email, created_at) values ($1, $2, $3, $4) on conflict do nothing",
        siren, name, notice_email, now)
    return status.endswith(" 1")


async def company(conn: asyncpg.Connection, siren: str) -> asyncpg.Record | None:
    return await conn.fetchrow("select siren, name, notice_email, created_at from company where siren = $1", siren)


async def companies(conn: asyncpg.Connection, q: str | None, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select siren, name, notice_email, created_at from company"
        " where $1::text is null or name ilike $1 or siren like $1 order by name, siren limit $2",
        _contains(q) if q else None, limit)


_CONTRACT = ("id, siren, contract_number, category, label, contribution_formula, start_date, options, "
             "contracts_contract_id, created_at")


def as_contract(row: asyncpg.Record) -> GroupContract:
    return GroupContract(row["id"], row["siren"], row["contract_number"], row["category"], row["label"],
                         row["contribution_formula"], row["start_date"], tuple(row["options"]))


async def add_group_contract(conn: asyncpg.Connection, **values: Any) -> bool:
    status = await conn.execute(
        "insert into group_contract (id, siren, contract_number, contracts_contract_id, category, label,"
        " contribution_formula, start_date, options, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " on conflict do nothing",
        values["id"], values["siren"], values["contract_number"], values["contracts_contract_id"], values["category"],
        values["label"], values["contribution_formula"], values["start_date"], values["options"], values["created_at"])
    return status.endswith(" 1")


async def group_contracts(conn: asyncpg.Connection, siren: str) -> list[asyncpg.Record]:
    return await conn.fetch(f"select {_CONTRACT} from group_contract where siren = $1 order by contract_number", siren)


async def group_contract(conn: asyncpg.Connection, siren: str, contract_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"select {_CONTRACT} from group_contract where siren = $1 and id = $2",
                               siren, contract_id)


async def contract_for_contracts_id(conn: asyncpg.Connection, contracts_contract_id: uuid.UUID) -> asyncpg.Record | None:
    """The group contract that contracts' events name, with its company's name and notice address:
    by the group contract's own id in contracts, or by an employee's membership of it (then with
    the employee's name as ``subject``)."""
    found = await conn.fetchrow(
        "select g.contract_number, g.contribution_formula, g.category, c.siren, c.name, c.notice_email,"
        " null::text as subject from group_contract g join company c using (siren) where g.contracts_contract_id = $1",
        contracts_contract_id)
    if found is not None:
        return found
    return await conn.fetchrow(
        "select g.contract_number, g.contribution_formula, g.category, c.siren, c.name, c.notice_email,"
        " e.first_name || ' ' || e.last_name as subject from employee e"
        " join group_contract g on g.id = e.group_contract_id join company c on c.siren = e.siren"
        " where e.contracts_contract_id = $1", contracts_contract_id)


async def set_membership(conn: asyncpg.Connection, employee_id: uuid.UUID, contracts_contract_id: uuid.UUID) -> bool:
    """Record the employee's membership contract in contracts (ContractRegistered)."""
    status = await conn.execute(
        "update employee set contracts_contract_id = $2 where id = $1"
        " and contracts_contract_id is distinct from $2", employee_id, contracts_contract_id)
    return status.endswith(" 1")


# ---- affiliation requests -------------------------------------------------------------------------

_REQUEST = ("r.id, r.siren, r.group_contract_id, g.contract_number, g.label as contract_label, r.origin, r.status,"
            " r.first_name, r.last_name, r.birth_date, r.nir, r.email, r.address, r.options, r.beneficiaries,"
            " r.start_date, r.account_id, r.invitation_id, r.review_reason, r.rejection_reason, r.employee_id,"
            " r.received_at, r.due_at, r.processed_at")
_FROM_REQUEST = " from affiliation_request r join group_contract g on g.id = r.group_contract_id"


async def employee_exists(conn: asyncpg.Connection, siren: str, nir: str) -> bool:
    return bool(await conn.fetchval(
        "select exists (select 1 from employee where siren = $1 and nir = $2)"
        " or exists (select 1 from affiliation_request where siren = $1 and nir = $2"
        "            and status in ('received', 'in_review'))", siren, nir))


async def affiliated_elsewhere(conn: asyncpg.Connection, siren: str, nir: str) -> bool:
    return bool(await conn.fetchval("select exists (select 1 from employee where nir = $2 and siren <> $1)",
                                    siren, nir))


async def add_request(conn: asyncpg.Connection, r: dict[str, Any]) -> None:
    await conn.execute(
        "insert into affiliation_request (id, siren, group_contract_id, origin, status, first_name, last_name,"
        " birth_date, nir, email, address, options, beneficiaries, start_date, account_id, invitation_id,"
        " received_at, due_at) values ($1, $2, $3, $4, 'received', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
        " $15, $16, $17)",
        r["id"], r["siren"], r["group_contract_id"], r["origin"], r["first_name"], r["last_name"], r["birth_date"],
        r["nir"], r["email"], r["address"], r["options"], r["beneficiaries"], r["start_date"],
        r["account_id"], r["invitation_id"], r["received_at"], r["due_at"])


def _request(row: asyncpg.Record | None) -> dict[str, Any] | None:
    if row is None:
        return None
    out = dict(row)
    out["address"] = _json(out["address"])
    out["beneficiaries"] = _json(out["beneficiaries"])
    out["options"] = list(out["options"])
    return out


async def request(conn: asyncpg.Connection, siren: str | None, request_id: uuid.UUID,
                  *, for_update: bool = False) -> dict[str, Any] | None:
    where = " where r.id = $1" + (" and r.siren = $2" if siren is not None else "")
    lock = " for update of r" if for_update else ""
    args = (request_id, siren) if siren is not None else (request_id,)
    return _request(await conn.fetchrow(f"select {_REQUEST}{_FROM_REQUEST}{where}{lock}", *args))


async def requests_of(conn: asyncpg.Connection, siren: str, status: str | None, limit: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"select {_REQUEST}{_FROM_REQUEST} where r.siren = $1 and ($2::text is null or r.status = $2)"
        " order by r.received_at desc, r.id limit $3", siren, status, limit)
    return [_request(r) for r in rows]  # type: ignore[misc]


async def received_for_processing(conn: asyncpg.Connection, limit: int) -> list[dict[str, Any]]:
    """Received requests, oldest first, locked (SKIP LOCKED: two workers never take the same one)."""
    rows = await conn.fetch(
        f"select {_REQUEST}{_FROM_REQUEST} where r.status = 'received' order by r.received_at, r.id"
        " limit $1 for update of r skip locked", limit)
    return [_request(r) for r in rows]  # type: ignore[misc]


async def in_review(conn: asyncpg.Connection, limit: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"select {_REQUEST}{_FROM_REQUEST} where r.status = 'in_review' order by r.due_at, r.id limit $1", limit)
    return [_request(r) for r in rows]  # type: ignore[misc]


async def set_status(conn: asyncpg.Connection, request_id: uuid.UUID, status: str, now: datetime, *,
                     review_reason: str | None = None, rejection_reason: str | None = None,
                     employee_id: uuid.UUID | None = None) -> None:
    await conn.execute(
        "update affiliation_request set status = $2, review_reason = coalesce($3, review_reason),"
        " rejection_reason = $4, employee_id = $5,"
        " processed_at = case when $2 in ('affiliated', 'rejected') then $6 else processed_at end where id = $1",
        request_id, status, review_reason, rejection_reason, employee_id, now)


# ---- employees ------------------------------------------------------------------------------------

# What the page shows (schemas.EmployeeOut), and what the downloads' columns show (employees.COLUMNS).
_PAGE_COLUMNS = ("e.id, e.group_contract_id, g.contract_number, g.label as contract_label, e.source, e.first_name,"
                 " e.last_name, e.birth_date, e.nir, e.email, e.address, e.options, e.start_date, e.affiliated_at")
_EXPORT_COLUMNS = ("e.last_name, e.first_name, e.birth_date, e.nir, e.email, g.contract_number,"
                   " g.label as contract_label, e.options, e.start_date, e.source")


async def add_employee(conn: asyncpg.Connection, e: dict[str, Any]) -> None:
    await conn.execute(
        "insert into employee (id, siren, group_contract_id, request_id, source, first_name, last_name, birth_date,"
        " nir, email, address, options, start_date, affiliated_at)"
        " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        e["id"], e["siren"], e["group_contract_id"], e["request_id"], e["source"], e["first_name"], e["last_name"],
        e["birth_date"], e["nir"], e["email"], e["address"], e["options"], e["start_date"],
        e["affiliated_at"])


def _employee_filter(siren: str, q: str | None, group_contract_id: uuid.UUID | None,
                     source: str | None) -> tuple[str, list[Any]]:
    where = ["e.siren = $1"]
    args: list[Any] = [siren]
    if q:
        args.append(_contains(q))
        where.append(f"(e.last_name ilike ${len(args)} or e.first_name ilike ${len(args)}"
                     f" or coalesce(e.email, '') ilike ${len(args)})")
    if group_contract_id:
        args.append(group_contract_id)
        where.append(f"e.group_contract_id = ${len(args)}")
    if source:
        args.append(source)
        where.append(f"e.source = ${len(args)}")
    return " and ".join(where), args


def _employee(row: asyncpg.Record) -> dict[str, Any]:
    out = dict(row)
    out["address"] = _json(out["address"])
    out["options"] = list(out["options"])
    return out


async def employees_page(conn: asyncpg.Connection, siren: str, *, q: str | None, group_contract_id: uuid.UUID | None,
                         source: str | None, after: tuple[str, str, uuid.UUID] | None, limit: int) -> list[dict[str, Any]]:
    """One page by name (keyset: the last row of the previous page), filtered."""
    where, args = _employee_filter(siren, q, group_contract_id, source)
    if after is not None:
        args += list(after)
        n = len(args)
        where += f" and (e.last_name, e.first_name, e.id) > (${n - 2}, ${n - 1}, ${n})"
    args.append(limit)
    rows = await conn.fetch(
        f"select {_PAGE_COLUMNS} from employee e join group_contract g on g.id = e.group_contract_id where {where}"
        f" order by e.last_name, e.first_name, e.id limit ${len(args)}", *args)
    return [_employee(r) for r in rows]


async def stream_employees(conn: asyncpg.Connection, siren: str, *, q: str | None, group_contract_id: uuid.UUID | None,
                           source: str | None, prefetch: int = 1000) -> AsyncIterator[asyncpg.Record]:
    """Every matching employee's downloaded columns, by name, through a server-side cursor
    (``conn`` in a transaction): the export never holds more than ``prefetch`` rows."""
    where, args = _employee_filter(siren, q, group_contract_id, source)
    cursor = conn.cursor(
        f"select {_EXPORT_COLUMNS} from employee e join group_contract g on g.id = e.group_contract_id where {where}"
        " order by e.last_name, e.first_name, e.id", *args, prefetch=prefetch)
    async for row in cursor:
        yield row


# ---- invitations --------------------------------------------------------------------------------


async def add_invitation(conn: asyncpg.Connection, i: dict[str, Any]) -> None:
    await conn.execute(
        "insert into invitation (id, siren, group_contract_id, email, first_name, last_name, token_hash, account_id,"
        " expires_at, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        i["id"], i["siren"], i["group_contract_id"], i["email"], i["first_name"], i["last_name"], i["token_hash"],
        i["account_id"], i["expires_at"], i["created_at"])


async def usable_invitation(conn: asyncpg.Connection, token_hash: bytes, now: datetime,
                            *, for_update: bool = False) -> asyncpg.Record | None:
    lock = " for update of i" if for_update else ""
    return await conn.fetchrow(
        "select i.id, i.siren, i.group_contract_id, i.email, i.first_name, i.last_name, i.expires_at,"
        " c.name as company_name, g.label as contract_label, g.options, g.start_date as contract_start"
        " from invitation i join company c using (siren) join group_contract g on g.id = i.group_contract_id"
        f" where i.token_hash = $1 and i.used_at is null and i.expires_at > $2{lock}", token_hash, now)


async def use_invitation(conn: asyncpg.Connection, invitation_id: uuid.UUID, request_id: uuid.UUID,
                         now: datetime) -> None:
    await conn.execute("update invitation set used_at = $2, request_id = $3 where id = $1", invitation_id, now,
                       request_id)


async def invitations_of(conn: asyncpg.Connection, siren: str, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select id, group_contract_id, email, first_name, last_name, expires_at, used_at, request_id, created_at"
        " from invitation where siren = $1 order by created_at desc, id limit $2", siren, limit)


# ---- journal ------------------------------------------------------------------------------------


def journal_search_text(summary: str, subject: str | None) -> str:
    return searchable(f"{summary} {subject or ''}")


async def add_journal_line(conn: asyncpg.Connection, line: dict[str, Any]) -> None:
    await conn.execute(
        "insert into journal (event_id, siren, occurred_at, day, kind, summary, subject, account_id, ref_id,"
        " search_text) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (event_id) do nothing",
        line["event_id"], line["siren"], line["occurred_at"], line["day"], line["kind"], line["summary"],
        line["subject"], line["account_id"], line["ref_id"], journal_search_text(line["summary"], line["subject"]))


async def journal(conn: asyncpg.Connection, siren: str, *, day_from: date | None, day_to: date | None, q: str | None,
                  kind: str | None, newest_first: bool, limit: int, offset: int) -> list[asyncpg.Record]:
    args: list[Any] = [siren, day_from, day_to, kind]
    where = ("siren = $1 and ($2::date is null or day >= $2) and ($3::date is null or day <= $3)"
             " and ($4::text is null or kind = $4)")
    if q:
        args.append(_contains(searchable(q)))
        where += f" and search_text like ${len(args)}"
    order = "desc" if newest_first else "asc"
    args += [limit, offset]
    return await conn.fetch(
        f"select day, occurred_at, kind, summary, subject, ref_id from journal where {where}"
        f" order by occurred_at {order}, id {order} limit ${len(args) - 1} offset ${len(args)}", *args)


# ---- personal data (ID-11) ------------------------------------------------------------------------


async def actions_of_account(conn: asyncpg.Connection, account_id: uuid.UUID) -> dict[str, list[asyncpg.Record]]:
    return {
        "affiliation_requests": await conn.fetch(
            "select id, siren, status, first_name, last_name, start_date, received_at from affiliation_request"
            " where account_id = $1 order by received_at", account_id),
        "invitations": await conn.fetch(
            "select id, siren, email, first_name, last_name, created_at, used_at from invitation"
            " where account_id = $1 order by created_at", account_id),
        "journal": await conn.fetch(
            "select siren, occurred_at, kind, summary from journal where account_id = $1 order by occurred_at",
            account_id),
    }


async def forget_account(conn: asyncpg.Connection, account_id: uuid.UUID) -> int:
    """The employer user's id goes from what they did (the company keeps the actions, unsigned)."""
    total = 0
    for table in ("affiliation_request", "invitation", "journal"):
        status = await conn.execute(f"update {table} set account_id = null where account_id = $1", account_id)
        total += int(status.split()[-1])
    return total
