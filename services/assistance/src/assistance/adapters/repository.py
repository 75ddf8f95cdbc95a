"""SQL of assistance; every function takes the connection of the caller's unit of work."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from assistance.domain.requests import PlacedSelection
from ms_events import outbox

# ---- contracts' projection ----------------------------------------------------------------------


async def upsert_contract(conn: asyncpg.Connection, contract_id: uuid.UUID, holder_id: uuid.UUID, product_code: str,
                          category: str, start_date: date, end_date: date | None) -> None:
    await conn.execute(
        """insert into contract_projection (contract_id, holder_id, product_code, category, start_date, end_date)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (contract_id) do update set holder_id = excluded.holder_id,
               product_code = excluded.product_code, category = excluded.category,
               start_date = excluded.start_date, end_date = excluded.end_date, updated_at = now()""",
        contract_id, holder_id, product_code, category, start_date, end_date)


async def end_contract(conn: asyncpg.Connection, contract_id: uuid.UUID, effective: date) -> None:
    await conn.execute("update contract_projection set end_date = $2, updated_at = now() where contract_id = $1",
                       contract_id, effective)


async def contracts_of_holders(conn: asyncpg.Connection,
                               holder_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Every contract these persons hold (as holders: never one where they are only a
    beneficiary), in force or not."""
    rows = await conn.fetch(
        """select contract_id, holder_id, product_code, category, start_date, end_date from contract_projection
            where holder_id = any($1::uuid[])""", holder_ids)
    out: dict[uuid.UUID, list[dict[str, Any]]] = {h: [] for h in holder_ids}
    for r in rows:
        out[r["holder_id"]].append(dict(r))
    return out


# ---- addresses ---------------------------------------------------------------------------------

_ADDRESS = "id, account_id, label, street_number, street, postcode, city, created_at"


async def add_address(conn: asyncpg.Connection, values: dict[str, Any]) -> None:
    await conn.execute(
        f"insert into address ({_ADDRESS}) values ($1, $2, $3, $4, $5, $6, $7, $8)",
        values["id"], values["account_id"], values["label"], values["street_number"], values["street"],
        values["postcode"], values["city"], values["created_at"])


async def addresses_of(conn: asyncpg.Connection, account_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(f"select {_ADDRESS} from address where account_id = $1 order by created_at, id",
                            account_id)
    return [dict(r) for r in rows]


async def count_addresses(conn: asyncpg.Connection, account_id: uuid.UUID) -> int:
    return await conn.fetchval("select count(*) from address where account_id = $1", account_id)


async def address(conn: asyncpg.Connection, account_id: uuid.UUID, address_id: uuid.UUID,
                  *, for_update: bool = False) -> dict[str, Any] | None:
    lock = " for update" if for_update else ""
    row = await conn.fetchrow(f"select {_ADDRESS} from address where id = $1 and account_id = $2{lock}",
                              address_id, account_id)
    return dict(row) if row else None


async def addresses_by_id(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    rows = await conn.fetch(f"select {_ADDRESS} from address where id = any($1::uuid[])", ids)
    return {r["id"]: dict(r) for r in rows}


async def planned_trip_using(conn: asyncpg.Connection, address_id: uuid.UUID, now: datetime) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """select t.id, t.pickup_at, t.child_first_name, f.label as from_label, d.label as to_label
             from school_trip t join address f on f.id = t.from_address_id join address d on d.id = t.to_address_id
            where t.status = 'planned' and t.pickup_at > $2 and (t.from_address_id = $1 or t.to_address_id = $1)
            order by t.pickup_at limit 1""", address_id, now)


async def address_in_open_request(conn: asyncpg.Connection, address_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval(
        """select exists (select 1 from selection s join assistance_request r on r.id = s.request_id
                           where s.address_id = $1)""", address_id))


async def delete_address(conn: asyncpg.Connection, address_id: uuid.UUID) -> None:
    await conn.execute("delete from address where id = $1", address_id)


# ---- requests ----------------------------------------------------------------------------------

_REQUEST = ("id, account_id, contract_id, product_code, status, declaration_sealed, answers_sealed, event_fingerprint, "
            "phone, idempotency_key, missing, check_by, created_at, validated_at, updated_at")


async def add_request(conn: asyncpg.Connection, values: dict[str, Any]) -> None:
    await conn.execute(
        """insert into assistance_request (id, account_id, contract_id, product_code, status, declaration_sealed,
                                            event_fingerprint, created_at, updated_at)
           values ($1, $2, $3, $4, 'draft', $5, $6, $7, $7)""",
        values["id"], values["account_id"], values["contract_id"], values["product_code"],
        values["declaration_sealed"], values["event_fingerprint"], values["created_at"])


async def request(conn: asyncpg.Connection, request_id: uuid.UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    lock = " for update" if for_update else ""
    row = await conn.fetchrow(f"select {_REQUEST} from assistance_request where id = $1{lock}", request_id)
    return _request(row) if row else None


def _request(row: asyncpg.Record) -> dict[str, Any]:
    out = dict(row)
    out["missing"] = json.loads(out["missing"]) if out["missing"] else []
    return out


async def request_to_validate(conn: asyncpg.Connection, request_id: uuid.UUID, idempotency_key: str | None,
                              account_id: uuid.UUID, fingerprint_prefix: str
                              ) -> tuple[dict[str, Any] | None, dict[str, Any] | None, bool, list[dict[str, Any]],
                                         dict[uuid.UUID, dict[str, Any]]]:
    """One round trip: the request, locked; the request (id, account) already validated with this
    Idempotency-Key if any; the event's transaction lock when the request is a draft of
    ``account_id``, not yet validated under that key, whose stored event fingerprint is under the
    sealing key (it starts with ``fingerprint_prefix``: it is then the one the caller would
    compute); and the request's selections with the addresses they name.

    Order inside the statement: the row lock first (the ``r`` CTE), then the event's lock (it reads
    ``r``); other validations of the same (contract, event, date) wait until this transaction ends.
    The selections cannot change once the row lock is held (every edit takes it), so reading them
    in the same statement is safe; the quota is read by the next statement, whose snapshot is taken
    once the event's lock is held. Returns (request, by_key, event_locked, selections, addresses)."""
    columns = ", ".join(f"r.{c}" for c in _REQUEST.split(", "))
    rows = await conn.fetch(
        f"""with r as materialized (
                 select {columns}, k.id as key_request_id, k.account_id as key_account_id,
                        (r.account_id = $3 and r.status = 'draft' and k.id is null
                         and starts_with(r.event_fingerprint, $4)) as lockable
                   from assistance_request r left join assistance_request k on k.idempotency_key = $2
                  where r.id = $1 for update of r),
               event_lock as materialized (
                 select pg_advisory_xact_lock(hashtextextended(event_fingerprint, 0)) from r where lockable)
            select r.*, (select count(*) from event_lock) > 0 as event_locked,
                   s.id as s_id, s.service as s_service, s.day as s_day, s.slot_start as s_slot_start,
                   s.slot_end as s_slot_end, s.quantity as s_quantity, s.address_id as s_address_id,
                   a.account_id as a_account_id, a.label as a_label, a.street_number as a_street_number,
                   a.street as a_street, a.postcode as a_postcode, a.city as a_city, a.created_at as a_created_at
              from r left join selection s on s.request_id = r.id left join address a on a.id = s.address_id
             order by s.position""", request_id, idempotency_key, account_id, fingerprint_prefix)
    if not rows:
        return None, None, False, [], {}
    first = rows[0]
    request = _request_of(first)
    by_key = None if first["key_request_id"] is None else {"id": first["key_request_id"],
                                                            "account_id": first["key_account_id"]}
    selections, addresses = [], {}
    for r in rows:
        if r["s_id"] is None:
            continue
        selections.append({"id": r["s_id"], "request_id": request_id,
                           **{k: r["s_" + k] for k in ("service", "day", "slot_start", "slot_end", "quantity",
                                                         "address_id")}})
        if r["s_address_id"] is not None and r["a_label"] is not None:
            addresses[r["s_address_id"]] = {"id": r["s_address_id"],
                                            **{k[2:]: r[k] for k in r.keys() if k.startswith("a_")}}
    return request, by_key, first["event_locked"], selections, addresses


def _request_of(row: asyncpg.Record) -> dict[str, Any]:
    out = {c: row[c] for c in _REQUEST.split(", ")}
    out["missing"] = json.loads(out["missing"]) if out["missing"] else []
    return out


async def lock_event(conn: asyncpg.Connection, fingerprint: str) -> None:
    """The event's transaction lock, when ``request_to_validate`` could not take it (a request
    declared under an older key: its stored fingerprint is not the sealing key's)."""
    await conn.execute("select pg_advisory_xact_lock(hashtextextended($1, 0))", fingerprint)


async def requests_of(conn: asyncpg.Connection, account_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(f"select {_REQUEST} from assistance_request where account_id = $1 order by created_at, id",
                            account_id)
    return [_request(r) for r in rows]


async def by_idempotency_key(conn: asyncpg.Connection, key: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(f"select {_REQUEST} from assistance_request where idempotency_key = $1", key)
    return _request(row) if row else None


async def set_answers(conn: asyncpg.Connection, request_id: uuid.UUID, answers_sealed: str,
                      declaration_sealed: str, now: datetime) -> None:
    await conn.execute("""update assistance_request set answers_sealed = $2, declaration_sealed = $3, updated_at = $4
                           where id = $1""", request_id, answers_sealed, declaration_sealed, now)


async def used_quota(conn: asyncpg.Connection, fingerprints: list[str], exclude: uuid.UUID) -> dict[str, int]:
    """Quantities per service already taken by the other validated requests for the same event."""
    rows = await conn.fetch(
        """select s.service, sum(s.quantity)::int as used from selection s
             join assistance_request r on r.id = s.request_id
            where r.event_fingerprint = any($1::text[]) and r.status <> 'draft' and r.id <> $2
            group by s.service""", fingerprints, exclude)
    return {r["service"]: r["used"] for r in rows}


async def replace_selections(conn: asyncpg.Connection, request_id: uuid.UUID, placed: list[PlacedSelection],
                             now: datetime) -> None:
    await conn.execute("delete from selection where request_id = $1", request_id)
    await conn.executemany(
        """insert into selection (id, request_id, position, service, day, slot_start, slot_end, quantity, address_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        [(p.id, request_id, i, p.service, p.day, p.slot_start, p.slot_end, p.quantity, p.address_id)
         for i, p in enumerate(placed)])
    await conn.execute("update assistance_request set updated_at = $2 where id = $1", request_id, now)


async def selections_of(conn: asyncpg.Connection, request_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    rows = await conn.fetch(
        """select id, request_id, service, day, slot_start, slot_end, quantity, address_id from selection
            where request_id = any($1::uuid[]) order by request_id, position""", request_ids)
    out: dict[uuid.UUID, list[dict[str, Any]]] = {i: [] for i in request_ids}
    for r in rows:
        out[r["request_id"]].append(dict(r))
    return out


async def validate_within_quota(conn: asyncpg.Connection, request_id: uuid.UUID, fingerprints: list[str],
                                wanted: dict[str, tuple[int, int]], phone: str | None, idempotency_key: str | None,
                                now: datetime, outbox_row: tuple) -> tuple[bool, dict[str, int]]:
    """One statement, in the caller's transaction (which holds the event's lock): the quantities
    per service the other validated requests of the same event already take and, unless one of
    ``wanted`` (service -> (this request's quantity, quota)) would then exceed its quota, the
    request marked validated with its AssistanceRequested outbox row (``outbox.rows``), waking the
    relay at commit. Returns (validated, used per service); nothing is written when not validated."""
    services = list(wanted)
    row = await conn.fetchrow(
        """with used as materialized (
               select s.service, sum(s.quantity)::int as used from selection s
                 join assistance_request r on r.id = s.request_id
                where r.event_fingerprint = any($2::text[]) and r.status <> 'draft' and r.id <> $1
                group by s.service),
           exceeded as (
               select 1 from unnest($3::text[], $4::int[], $5::int[]) as q(service, wanted, quota)
                 left join used u on u.service = q.service
                where q.wanted + coalesce(u.used, 0) > q.quota),
           validated as (
               update assistance_request set status = 'validated', phone = $6, idempotency_key = $7,
                      validated_at = $8, updated_at = $8 where id = $1 and not exists (select 1 from exceeded)
               returning id),
           published as (
               insert into outbox (""" + outbox.COLUMNS + """)
               select $9, $10, $11, $12, $13 from validated returning event_id),
           woken as (select pg_notify($14, '') from published)
           select (select count(*) from woken) > 0 as validated,
                  array(select service from used) as services, array(select used from used) as used""",
        request_id, fingerprints, services, [wanted[s][0] for s in services], [wanted[s][1] for s in services],
        phone, idempotency_key, now, *outbox_row, outbox.NOTIFY_CHANNEL)
    return row["validated"], dict(zip(row["services"], row["used"]))


async def mark_to_check(conn: asyncpg.Connection, request_id: uuid.UUID, missing: list[str], check_by: datetime,
                        now: datetime) -> None:
    await conn.execute(
        """update assistance_request set status = 'to_check', missing = $2::jsonb, check_by = $3, updated_at = $4
            where id = $1""", request_id, json.dumps(missing, ensure_ascii=False), check_by, now)


async def mark_case_opened(conn: asyncpg.Connection, request_id: uuid.UUID, now: datetime) -> None:
    await conn.execute(
        "update assistance_request set status = 'case_opened', missing = null, updated_at = $2 where id = $1",
        request_id, now)


async def complete_request(conn: asyncpg.Connection, request_id: uuid.UUID, phone: str | None,
                           declaration_sealed: str, now: datetime) -> None:
    await conn.execute(
        """update assistance_request set phone = coalesce($2, phone), declaration_sealed = $3, updated_at = $4
            where id = $1""", request_id, phone, declaration_sealed, now)


async def delete_request(conn: asyncpg.Connection, request_id: uuid.UUID) -> None:
    await conn.execute("delete from assistance_request where id = $1", request_id)


# ---- cases -------------------------------------------------------------------------------------

_CASE = ("id, request_id, account_id, case_number, status, opened_by, assigned_agent_id, opened_at, created_at, "
         "updated_at")


async def add_case(conn: asyncpg.Connection, case_id: uuid.UUID, request_id: uuid.UUID, account_id: uuid.UUID,
                   status: str, case_number: str | None, opened_by: str | None, now: datetime) -> bool:
    """Insert the request's case; False when it already has one (a redelivered event)."""
    inserted = await conn.fetchval(
        """insert into assistance_case (id, request_id, account_id, case_number, status, opened_by, opened_at,
                                         created_at, updated_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $8)
           on conflict (request_id) do nothing returning id""",
        case_id, request_id, account_id, case_number, status, opened_by, now if case_number else None, now)
    return inserted is not None


async def next_case_sequence(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("select nextval('case_number_seq')")


async def open_case(conn: asyncpg.Connection, case_id: uuid.UUID, case_number: str, opened_by: str,
                    now: datetime) -> None:
    await conn.execute(
        """update assistance_case set case_number = $2, status = 'opened', opened_by = $3, opened_at = $4,
                  updated_at = $4 where id = $1""", case_id, case_number, opened_by, now)
    await add_history(conn, case_id, "opened", opened_by, now)


async def add_history(conn: asyncpg.Connection, case_id: uuid.UUID, status: str, by: str, now: datetime) -> None:
    await conn.execute("insert into case_status_history (case_id, status, changed_by, changed_at) values ($1, $2, $3, $4)",
                       case_id, status, by, now)


async def case(conn: asyncpg.Connection, case_id: uuid.UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    lock = " for update" if for_update else ""
    row = await conn.fetchrow(f"select {_CASE} from assistance_case where id = $1{lock}", case_id)
    return dict(row) if row else None


async def cases_of_requests(conn: asyncpg.Connection, request_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    rows = await conn.fetch(f"select {_CASE} from assistance_case where request_id = any($1::uuid[])", request_ids)
    return {r["request_id"]: dict(r) for r in rows}


async def history_of(conn: asyncpg.Connection, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    rows = await conn.fetch("""select case_id, status, changed_by, changed_at from case_status_history
                                where case_id = any($1::uuid[]) order by changed_at""", case_ids)
    out: dict[uuid.UUID, list[dict[str, Any]]] = {i: [] for i in case_ids}
    for r in rows:
        out[r["case_id"]].append(dict(r))
    return out


async def set_case_status(conn: asyncpg.Connection, case_id: uuid.UUID, status: str, by: str, now: datetime) -> None:
    await conn.execute("update assistance_case set status = $2, updated_at = $3 where id = $1", case_id, status, now)
    await add_history(conn, case_id, status, by, now)


async def assign(conn: asyncpg.Connection, case_id: uuid.UUID, agent_id: uuid.UUID, now: datetime) -> None:
    await conn.execute("update assistance_case set assigned_agent_id = $2, updated_at = $3 where id = $1",
                       case_id, agent_id, now)


async def queue(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Requests to check (by deadline) then opened cases no agent has taken (oldest first)."""
    return await conn.fetch(
        """select c.id, c.request_id, c.account_id, c.case_number, c.status, c.assigned_agent_id, c.created_at,
                  r.check_by, r.missing, r.validated_at
             from assistance_case c join assistance_request r on r.id = c.request_id
            where c.status = 'to_check' or (c.status = 'opened' and c.assigned_agent_id is null)
            order by c.status = 'to_check' desc, r.check_by nulls last, c.created_at limit $1""", limit)


async def log_access(conn: asyncpg.Connection, request_id: uuid.UUID, agent_id: uuid.UUID, purpose: str,
                     now: datetime) -> None:
    await conn.execute("insert into health_data_access (request_id, agent_id, purpose, read_at) values ($1, $2, $3, $4)",
                       request_id, agent_id, purpose, now)


async def access_log(conn: asyncpg.Connection, request_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch("""select agent_id, purpose, read_at from health_data_access where request_id = $1
                                order by read_at, id""", request_id)
    return [dict(r) for r in rows]


# ---- school trips ------------------------------------------------------------------------------

_TRIP = ("id, account_id, contract_id, child_id, child_first_name, from_address_id, to_address_id, pickup_at, status, "
         "carrier_sent_at, carrier_reference, created_at")


async def add_trip(conn: asyncpg.Connection, values: dict[str, Any]) -> None:
    await conn.execute(
        f"insert into school_trip ({_TRIP}) values ($1, $2, $3, $4, $5, $6, $7, $8, 'planned', null, null, $9)",
        values["id"], values["account_id"], values["contract_id"], values["child_id"], values["child_first_name"],
        values["from_address_id"], values["to_address_id"], values["pickup_at"], values["created_at"])


async def trips_of(conn: asyncpg.Connection, account_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(f"select {_TRIP} from school_trip where account_id = $1 order by pickup_at, id", account_id)
    return [dict(r) for r in rows]


async def trip(conn: asyncpg.Connection, account_id: uuid.UUID, trip_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(f"select {_TRIP} from school_trip where id = $1 and account_id = $2 for update",
                              trip_id, account_id)
    return dict(row) if row else None


async def cancel_trip(conn: asyncpg.Connection, trip_id: uuid.UUID) -> None:
    await conn.execute("update school_trip set status = 'cancelled' where id = $1", trip_id)


async def trips_to_send(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Trips the carrier has not heard of (new ones, and cancellations of sent ones), locked."""
    return await conn.fetch(
        """select t.id, t.status, t.child_first_name, t.pickup_at, t.carrier_reference,
                  f.label as from_label, f.street_number as from_number, f.street as from_street,
                  f.postcode as from_postcode, f.city as from_city,
                  d.label as to_label, d.street_number as to_number, d.street as to_street,
                  d.postcode as to_postcode, d.city as to_city
             from school_trip t join address f on f.id = t.from_address_id join address d on d.id = t.to_address_id
            where (t.status = 'planned' and t.carrier_sent_at is null)
               or (t.status = 'cancelled' and t.carrier_sent_at is not null and t.carrier_cancel_sent_at is null)
            order by t.created_at limit $1 for update of t skip locked""", limit)


async def mark_trip_sent(conn: asyncpg.Connection, trip_id: uuid.UUID, reference: str, now: datetime) -> None:
    await conn.execute("update school_trip set carrier_sent_at = $2, carrier_reference = $3 where id = $1",
                       trip_id, now, reference)


async def mark_trip_cancel_sent(conn: asyncpg.Connection, trip_id: uuid.UUID, now: datetime) -> None:
    await conn.execute("update school_trip set carrier_cancel_sent_at = $2 where id = $1", trip_id, now)


# ---- erasure -----------------------------------------------------------------------------------


async def erase_account(conn: asyncpg.Connection, account_id: uuid.UUID) -> dict[str, int]:
    counts = {}
    for table in ("school_trip", "assistance_request", "assistance_case"):
        status = await conn.execute(f"delete from {table} where account_id = $1", account_id)
        counts[table] = int(status.split()[-1])
    status = await conn.execute("delete from address where account_id = $1", account_id)
    counts["address"] = int(status.split()[-1])
    return counts
