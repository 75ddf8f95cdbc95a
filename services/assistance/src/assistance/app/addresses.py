"""Use cases of addresses and school trips (AS-8): several labelled addresses (postcode checked
against the city), trips between them for a child on the contract, passed to the carrier by the
worker's sweeper; an address a planned trip uses cannot be deleted (the answer names the trip)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

import asyncpg
import httpx
import structlog

from assistance.adapters import repository as repo
from assistance.adapters.carrier import CarrierClient, CarrierError
from assistance.adapters.contracts import ContractsClient
from assistance.app.context import Assistance
from assistance.domain import errors
from ms_platform.errors import Conflict
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


class TooManyAddresses(Conflict):
    code = "too-many-addresses"
    title = "Too many addresses"


class AddressUsedByRequest(Conflict):
    code = "address-used-by-request"
    title = "Address used by a request"

    def __init__(self) -> None:
        super().__init__("Cette adresse figure dans une demande de prestations : elle est conservée pour le suivi de "
                         "votre dossier.", field="address_id")


def _address_view(a: dict[str, Any]) -> dict[str, Any]:
    return {k: a[k] for k in ("id", "label", "street_number", "street", "postcode", "city", "created_at")}


async def add_address(uow: UnitOfWork, ctx: Assistance, account_id: uuid.UUID, label: str, street_number: str | None,
                      street: str, postcode: str, city: str, now: datetime) -> dict[str, Any]:
    ctx.postcodes.check(postcode, city)
    values = {"id": uuid.uuid4(), "account_id": account_id, "label": label, "street_number": street_number,
              "street": street, "postcode": postcode, "city": city, "created_at": now}
    async with uow.begin() as tx:
        if await repo.count_addresses(tx.conn, account_id) >= ctx.max_addresses:
            raise TooManyAddresses(f"Vous avez déjà {ctx.max_addresses} adresses : supprimez-en une d'abord.")
        await repo.add_address(tx.conn, values)
    log.info("assistance.address_added", address_id=str(values["id"]))
    return _address_view(values)


async def addresses(uow: UnitOfWork, account_id: uuid.UUID) -> list[dict[str, Any]]:
    async with uow.connect() as conn:
        return [_address_view(a) for a in await repo.addresses_of(conn, account_id)]


def _trip_label(row: Any, zone: Any) -> dict[str, Any]:
    local = row["pickup_at"].astimezone(zone)
    return {"id": str(row["id"]), "label": f"{row['from_label']} → {row['to_label']}",
            "day": f"{local:%d/%m/%Y} à {local:%H:%M}", "child_first_name": row["child_first_name"]}


async def delete_address(uow: UnitOfWork, ctx: Assistance, account_id: uuid.UUID, address_id: uuid.UUID,
                         now: datetime) -> None:
    async with uow.begin() as tx:
        if await repo.address(tx.conn, account_id, address_id, for_update=True) is None:
            raise errors.AddressMissing()
        trip = await repo.planned_trip_using(tx.conn, address_id, now)
        if trip is not None:
            raise errors.AddressInUse(_trip_label(trip, ctx.slots.zone))
        if await repo.address_in_open_request(tx.conn, address_id):
            raise AddressUsedByRequest()
        # Past or cancelled trips keep no reference to a deleted address.
        await tx.conn.execute("delete from school_trip where (from_address_id = $1 or to_address_id = $1)"
                              " and (status = 'cancelled' or pickup_at <= $2)", address_id, now)
        await repo.delete_address(tx.conn, address_id)
    log.info("assistance.address_deleted", address_id=str(address_id))


# ---- school trips ------------------------------------------------------------------------------


def _trip_view(t: dict[str, Any], addresses_by_id: dict[uuid.UUID, dict[str, Any]]) -> dict[str, Any]:
    return {"id": t["id"], "contract_id": t["contract_id"], "child_id": t["child_id"],
            "child_first_name": t["child_first_name"],
            "from_address": _address_view(addresses_by_id[t["from_address_id"]]),
            "to_address": _address_view(addresses_by_id[t["to_address_id"]]),
            "pickup_at": t["pickup_at"], "status": t["status"],
            "sent_to_carrier": t["carrier_sent_at"] is not None}


async def plan_trip(uow: UnitOfWork, ctx: Assistance, contracts: ContractsClient, account_id: uuid.UUID,
                    holders: list[uuid.UUID], bearer: str, contract_id: uuid.UUID | None, child_id: uuid.UUID,
                    from_id: uuid.UUID, to_id: uuid.UUID, day: date, pickup_time: time,
                    now: datetime) -> dict[str, Any]:
    """A school trip for a child on the contract, between two of the member's addresses."""
    if from_id == to_id:
        raise errors.SameAddress()
    if day < ctx.slots.today(now):
        raise errors.TripInThePast()
    if day > ctx.slots.today(now) + timedelta(days=ctx.slots.horizon_days):
        raise errors.TripTooFar(ctx.slots.horizon_days)
    pickup_at = datetime.combine(day, pickup_time, ctx.slots.zone)
    if pickup_at <= now:
        raise errors.TripInThePast()
    from assistance.app.requests import _contract

    async with uow.connect() as conn:
        cid, _ = await _contract(conn, ctx, holders, contract_id, ctx.slots.today(now))
    # Contracts' API before the transaction: the child is on the member's contract now.
    child = next((c for c in await contracts.children(cid, bearer) if str(c.get("id")) == str(child_id)), None)
    if child is None:
        raise errors.ChildNotOnContract()
    values = {"id": uuid.uuid4(), "account_id": account_id, "contract_id": cid, "child_id": child_id,
              "child_first_name": child["first_name"], "from_address_id": from_id, "to_address_id": to_id,
              "pickup_at": pickup_at, "created_at": now}
    async with uow.begin() as tx:
        found = {}
        for field, address_id in (("from_address_id", from_id), ("to_address_id", to_id)):
            a = await repo.address(tx.conn, account_id, address_id, for_update=True)
            if a is None:
                raise errors.AddressNotFound(field)
            found[address_id] = a
        await repo.add_trip(tx.conn, values)
    log.info("assistance.trip_planned", trip_id=str(values["id"]))
    return _trip_view({**values, "status": "planned", "carrier_sent_at": None}, found)


async def trips(uow: UnitOfWork, account_id: uuid.UUID) -> list[dict[str, Any]]:
    async with uow.connect() as conn:
        rows = await repo.trips_of(conn, account_id)
        by_id = await repo.addresses_by_id(conn, list({r["from_address_id"] for r in rows}
                                                      | {r["to_address_id"] for r in rows}))
    return [_trip_view(r, by_id) for r in rows]


async def cancel_trip(uow: UnitOfWork, account_id: uuid.UUID, trip_id: uuid.UUID) -> None:
    async with uow.begin() as tx:
        trip = await repo.trip(tx.conn, account_id, trip_id)
        if trip is None:
            raise errors.TripNotFound()
        await repo.cancel_trip(tx.conn, trip_id)
    log.info("assistance.trip_cancelled", trip_id=str(trip_id))


# ---- the carrier sweeper (worker) --------------------------------------------------------------


def _place(row: Any, prefix: str) -> dict[str, Any]:
    return {"label": row[f"{prefix}_label"], "street_number": row[f"{prefix}_number"],
            "street": row[f"{prefix}_street"], "postcode": row[f"{prefix}_postcode"], "city": row[f"{prefix}_city"]}


async def send_trips(pool: asyncpg.Pool, carrier: CarrierClient, batch: int) -> int:
    """Send new trips and cancellations to the carrier, one row lock each (several workers sweep
    side by side: skip locked); a failure leaves the trip for the next sweep."""
    sent = 0
    async with pool.acquire() as conn, conn.transaction():
        for row in await repo.trips_to_send(conn, batch):
            now = datetime.now(row["pickup_at"].tzinfo)
            try:
                if row["status"] == "planned":
                    reference = await carrier.send({
                        "reference": str(row["id"]), "child_first_name": row["child_first_name"],
                        "pickup_at": row["pickup_at"].isoformat(), "from": _place(row, "from"),
                        "to": _place(row, "to")})
                    await repo.mark_trip_sent(conn, row["id"], reference, now)
                else:
                    await carrier.cancel(row["carrier_reference"])
                    await repo.mark_trip_cancel_sent(conn, row["id"], now)
                sent += 1
            except (CarrierError, httpx.HTTPError, ValueError, KeyError) as exc:  # left for the next sweep
                log.warning("assistance.carrier_failed", trip_id=str(row["id"]), error=type(exc).__name__)
    return sent


async def run_carrier_sweeper(pool: asyncpg.Pool, carrier: CarrierClient, stop: asyncio.Event, interval_s: float,
                              batch: int) -> None:
    while not stop.is_set():
        try:
            await send_trips(pool, carrier, batch)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("assistance.carrier_sweep_failed", error=type(exc).__name__)
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
        except TimeoutError:
            pass
    await carrier.aclose()
