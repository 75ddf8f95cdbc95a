"""/v1/assistance/life-events, /v1/assistance/services, /v1/assistance/eligible-services: the catalogue
(French descriptions, at home or not; never a price) and « Je sais ce dont j'ai besoin »: every
service the member's contract provides for an event, with no request made (AS-1..AS-3)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from assistance.app import requests as app
from assistance.domain.catalogue import LIFE_EVENTS, SERVICES, LifeEvent
from assistance.entrypoints.deps import Member, holder_ids
from assistance.entrypoints.http.schemas import BrowseOut, CatalogueServiceOut, LifeEventOut, QuestionOut

router = APIRouter(tags=["assistance-catalogue"])


@router.get("/v1/assistance/life-events", operation_id="list_life_events")
async def life_events(_member: Member) -> list[LifeEventOut]:
    """The events a member may declare (hospitalisation, immobilisation, …)."""
    return [LifeEventOut(code=e.code, label=e.label, description=e.description) for e in LIFE_EVENTS.values()]


@router.get("/v1/assistance/questionnaire", operation_id="life_event_questionnaire")
async def event_questionnaire(event: Annotated[LifeEvent, Query(description="The life event")],
                              _member: Member) -> list[QuestionOut]:
    """The short optional questionnaire recommending services for this event (AS-2)."""
    return [QuestionOut(**q) for q in app.questionnaire(event)]


@router.get("/v1/assistance/services", operation_id="list_assistance_services")
async def services(_member: Member) -> list[CatalogueServiceOut]:
    """Every assistance service with its detailed description; included in the contract (AS-3)."""
    return [CatalogueServiceOut(code=s.code, label=s.label, description=s.description, at_home=s.at_home,
                                unit=s.unit.value, unit_label=s.unit_label) for s in SERVICES.values()]


# The answer for a (contract, product, event) depends only on the guarantee book, loaded once per
# process: its JSON is built once. Bounded: a member has few contracts, the events are five.
_BROWSE_BODIES: dict[tuple[int, uuid.UUID, str, LifeEvent], bytes] = {}
_MAX_BROWSE_BODIES = 4_096


@router.get("/v1/assistance/eligible-services", operation_id="browse_eligible_services", response_model=BrowseOut,
            responses={404: {"description": "The contract named is not one the member holds, in force, with "
                                            "assistance guarantees"},
                       409: {"description": "No contract in force with assistance guarantees"}})
async def eligible_services(request: Request, member: Member,
                            event: Annotated[LifeEvent, Query(description="The life event")],
                            contract_id: Annotated[uuid.UUID | None, Query()] = None) -> Response:
    """« Je sais ce dont j'ai besoin »: every service the contract provides for the event, with its
    quota and conditions. Nothing is recorded (AS-2)."""
    # The member space's most frequent read: the app's parts come from its state directly rather
    # than through one dependency each (FastAPI solves every dependency on every request).
    state = request.app.state
    ctx = state.assistance
    cid, product = await app.eligible_contract(state.unit_of_work(state.pool), ctx, holder_ids(member), contract_id,
                                               state.clock(), state.contracts_cache)
    key = (id(ctx.book), cid, product, event)
    body = _BROWSE_BODIES.get(key)
    if body is None:
        body = BrowseOut(**app.browse(ctx, cid, product, event)).model_dump_json().encode()
        if len(_BROWSE_BODIES) >= _MAX_BROWSE_BODIES:
            _BROWSE_BODIES.clear()
        _BROWSE_BODIES[key] = body
    return Response(body, media_type="application/json")
