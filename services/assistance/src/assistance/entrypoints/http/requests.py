"""/v1/assistance/requests: the member's journey — declare an event (past or planned), answer the
optional questionnaire, select services with day, slot and address, review the summary, validate
once with an Idempotency-Key (AS-1..AS-7). After validation nothing is edited here: the answer
points to a callback (« Suivi d'un dossier en cours » / « Nouvelle demande de prestations »)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from assistance.app import requests as app
from assistance.domain.requests import Selection
from assistance.entrypoints.deps import Ctx, Member, Now, Uow, account_id, holder_ids
from assistance.entrypoints.http.schemas import (
    AccessOut, AnswersIn, DeclarationIn, RequestOut, RequestServicesOut, SelectionsIn, ValidationIn,
)

router = APIRouter(tags=["assistance-requests"])

PATH = "/v1/assistance/requests"
_IDS = {404: {"description": "No request of that id that the caller may see"}}
_VALIDATED = {409: {"description": "The request is validated: the problem's callback names the reasons and the "
                                   "booking link (AS-7)"}}


@router.post(PATH, status_code=201, operation_id="declare_life_event",
             responses={404: {"description": "The contract named is not one the member holds, in force, with "
                                             "assistance guarantees"},
                        409: {"description": "No contract in force with assistance guarantees"}})
async def declare(body: DeclarationIn, member: Member, uow: Uow, ctx: Ctx, now: Now) -> RequestOut:
    """Declare an event and its date, past or planned (AS-1): a draft request starts."""
    return RequestOut(**await app.declare(uow, ctx, account_id(member), holder_ids(member), body.event,
                                          body.event_date, body.duration_days, body.contract_id, now))


@router.get(PATH, operation_id="list_assistance_requests")
async def list_requests(member: Member, uow: Uow, ctx: Ctx) -> list[RequestOut]:
    """The member's requests, with their case number and status once opened."""
    return [RequestOut(**r) for r in await app.of_member(uow, ctx, account_id(member))]


@router.get(PATH + "/{request_id}", operation_id="get_assistance_request", responses=_IDS)
async def get_request(request_id: uuid.UUID, member: Member, uow: Uow, ctx: Ctx) -> RequestOut:
    """The summary: services, day, slot, address (AS-5); after validation, the case and its status."""
    return RequestOut(**await app.summary(uow, ctx, account_id(member), request_id))


@router.post(PATH + "/{request_id}/answers", operation_id="answer_questionnaire", responses={**_IDS, **_VALIDATED})
async def answer(request_id: uuid.UUID, body: AnswersIn, member: Member, uow: Uow, ctx: Ctx,
                 now: Now) -> RequestServicesOut:
    """Answer the optional questionnaire: the contract's services for the event, recommended first."""
    return RequestServicesOut(**await app.answer(uow, ctx, account_id(member), request_id, dict(body.answers), now))


@router.get(PATH + "/{request_id}/services", operation_id="request_services", responses=_IDS)
async def services(request_id: uuid.UUID, member: Member, uow: Uow, ctx: Ctx) -> RequestServicesOut:
    """Every service the contract provides for the request's event, with what is left of each quota
    and the slots to choose from."""
    return RequestServicesOut(**await app.services_for(uow, ctx, account_id(member), request_id))


@router.put(PATH + "/{request_id}/selections", operation_id="select_services", responses={**_IDS, **_VALIDATED})
async def select(request_id: uuid.UUID, body: SelectionsIn, member: Member, uow: Uow, ctx: Ctx,
                 now: Now) -> RequestOut:
    """The selected services, each with a day, a slot and (at home) an address (AS-4); replaces the
    previous selection. Quotas and conditions are enforced; nothing is half-written."""
    selections = [Selection(s.service, s.day, s.slot, s.quantity, s.address_id) for s in body.selections]
    return RequestOut(**await app.select(uow, ctx, account_id(member), request_id, selections, now))


@router.post(PATH + "/{request_id}/validate", operation_id="validate_assistance_request",
             responses={**_IDS, **_VALIDATED})
async def validate(request: Request, request_id: uuid.UUID, body: ValidationIn, member: Member, response: Response,
                   idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None) -> RequestOut:
    """« Je valide ma demande » (AS-5): once. The confirmation email follows; the case number comes by
    SMS once agents open the case (AS-6). A retry with the same Idempotency-Key answers 200 with the
    same request and validates nothing twice."""
    # The app's parts from its state directly rather than through one dependency each (FastAPI
    # solves every dependency on every request), as the catalogue read does.
    state = request.app.state
    summary, created = await app.validate(state.unit_of_work(state.pool), state.assistance, account_id(member),
                                          request_id, body.phone, idempotency_key, state.clock())
    response.status_code = 201 if created else 200
    return RequestOut(**summary)


@router.delete(PATH + "/{request_id}", status_code=204, response_class=Response,
               operation_id="delete_assistance_draft", responses={**_IDS, **_VALIDATED})
async def delete_draft(request_id: uuid.UUID, member: Member, uow: Uow, ctx: Ctx) -> Response:
    """Drop a draft (to start again with another event); a validated request is cancelled through a
    callback (AS-7)."""
    await app.delete_draft(uow, ctx, account_id(member), request_id)
    return Response(status_code=204)


@router.get(PATH + "/{request_id}/access-log", operation_id="assistance_access_log", responses=_IDS)
async def access_log(request_id: uuid.UUID, member: Member, uow: Uow) -> list[AccessOut]:
    """Every read of this request's health data by an agent (AS-10)."""
    return [AccessOut(**a) for a in await app.access_log(uow, account_id(member), request_id)]
