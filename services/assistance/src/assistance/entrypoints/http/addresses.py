"""/v1/assistance/addresses and /v1/assistance/school-trips: labelled addresses (homes, schools;
postcode checked against the city) and school trips for a child on the contract, passed to the
carrier; an address a planned trip uses cannot be deleted (AS-8)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from assistance.app import addresses as app
from assistance.entrypoints.deps import Contracts, Ctx, Member, Now, Uow, account_id, bearer, holder_ids
from assistance.entrypoints.http.schemas import AddressCreatedOut, AddressIn, TripIn, TripOut

router = APIRouter(tags=["assistance-addresses"])

_IDS = {404: {"description": "Nothing of that id that the caller may see"}}


@router.post("/v1/assistance/addresses", status_code=201, operation_id="add_assistance_address")
async def add_address(body: AddressIn, member: Member, uow: Uow, ctx: Ctx, now: Now) -> AddressCreatedOut:
    """Add a labelled address (home, school, …): number, street, postcode, city."""
    return AddressCreatedOut(**await app.add_address(uow, ctx, account_id(member), body.label, body.street_number,
                                                     body.street, body.postcode, body.city, now))


@router.get("/v1/assistance/addresses", operation_id="list_assistance_addresses")
async def list_addresses(member: Member, uow: Uow) -> list[AddressCreatedOut]:
    return [AddressCreatedOut(**a) for a in await app.addresses(uow, account_id(member))]


@router.delete("/v1/assistance/addresses/{address_id}", status_code=204, response_class=Response,
               operation_id="delete_assistance_address",
               responses={**_IDS, 409: {"description": "A planned trip uses it: the problem names the trip"}})
async def delete_address(address_id: uuid.UUID, member: Member, uow: Uow, ctx: Ctx, now: Now) -> Response:
    await app.delete_address(uow, ctx, account_id(member), address_id, now)
    return Response(status_code=204)


@router.post("/v1/assistance/school-trips", status_code=201, operation_id="plan_school_trip",
             responses={404: {"description": "The contract named is not one the member holds, in force, with "
                                             "assistance guarantees"},
                        409: {"description": "No contract in force with assistance guarantees"},
                        503: {"description": "Contracts' API cannot confirm the child"}})
async def plan_trip(body: TripIn, member: Member, uow: Uow, ctx: Ctx, contracts: Contracts, now: Now,
                    request: Request) -> TripOut:
    """A school trip for a child on the contract, between two of the member's addresses; the carrier
    receives it."""
    return TripOut(**await app.plan_trip(
        uow, ctx, contracts, account_id(member), holder_ids(member), bearer(request), body.contract_id, body.child_id,
        body.from_address_id, body.to_address_id, body.day, body.pickup_time, now))


@router.get("/v1/assistance/school-trips", operation_id="list_school_trips")
async def list_trips(member: Member, uow: Uow) -> list[TripOut]:
    return [TripOut(**t) for t in await app.trips(uow, account_id(member))]


@router.delete("/v1/assistance/school-trips/{trip_id}", status_code=204, response_class=Response,
               operation_id="cancel_school_trip", responses=_IDS)
async def cancel_trip(trip_id: uuid.UUID, member: Member, uow: Uow) -> Response:
    """Cancel a trip (the carrier is told); its addresses may then be deleted."""
    await app.cancel_trip(uow, account_id(member), trip_id)
    return Response(status_code=204)
