"""The OpenAPI document says what the services really answer: bearer scheme, problem+json, chosen ids."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Header
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from ms_platform.auth import CurrentPrincipal, Principal, require_roles
from ms_platform.openapi import describe

Member = Annotated[Principal, require_roles("member")]


class ThingIn(BaseModel):
    name: str


def _document() -> dict:
    app = FastAPI()

    @app.get("/v1/things")
    async def list_things(member: Member) -> list[str]:
        return []

    @app.post("/v1/things/{thing_id}", status_code=201)
    async def rename_thing(thing_id: int, body: ThingIn, member: Member) -> dict:
        return {}

    @app.get("/v1/me/things")
    async def my_things(principal: CurrentPrincipal) -> list[str]:
        return []

    @app.post("/v1/sessions", responses={401: {"description": "Wrong identifier or password"}})
    async def sign_in(body: ThingIn) -> dict:
        return {}

    @app.post("/v1/quotes", operation_id="ask_for_a_quote")
    async def quote(body: ThingIn) -> dict:
        return {}

    router = APIRouter(prefix="/v1/routed")

    @router.delete("/{item_id}", status_code=204)
    async def forget_item(item_id: int, member: Member) -> None:
        return None

    app.include_router(router)
    return describe(app, get_openapi(title="t", version="1", routes=app.routes))


def _problem_statuses(operation: dict) -> set[str]:
    return {status for status, response in operation["responses"].items()
            if "application/problem+json" in response.get("content", {})}


def test_routes_behind_a_token_declare_the_bearer_scheme_and_the_public_ones_do_not():
    document = _document()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["paths"]["/v1/things"]["get"]["security"] == [{"bearer": []}]
    assert document["paths"]["/v1/me/things"]["get"]["security"] == [{"bearer": []}]
    assert "security" not in document["paths"]["/v1/quotes"]["post"]


def test_every_error_is_documented_as_problem_json_with_the_statuses_the_route_can_answer():
    paths = _document()["paths"]
    assert _problem_statuses(paths["/v1/things"]["get"]) == {"401", "403", "422", "429", "503"}
    assert _problem_statuses(paths["/v1/things/{thing_id}"]["post"]) == {
        "400", "401", "403", "404", "409", "413", "422", "429", "503"}
    assert _problem_statuses(paths["/v1/me/things"]["get"]) == {"401", "422", "429", "503"}
    assert _problem_statuses(paths["/v1/quotes"]["post"]) == {"400", "409", "413", "422", "429", "503"}


def test_fastapis_own_validation_shape_is_gone_and_problem_is_the_one_error_schema():
    document = _document()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert schemas["Problem"]["required"] == ["type", "title", "status"]
    assert "HTTPValidationError" not in str(document["paths"])


def test_operation_ids_are_the_names_chosen_in_code():
    paths = _document()["paths"]
    assert paths["/v1/things"]["get"]["operationId"] == "list_things"
    assert paths["/v1/things/{thing_id}"]["post"]["operationId"] == "rename_thing"
    assert paths["/v1/quotes"]["post"]["operationId"] == "ask_for_a_quote"
    assert paths["/v1/routed/{item_id}"]["delete"]["operationId"] == "forget_item"


def test_routes_of_an_included_router_are_described_with_their_full_path():
    operation = _document()["paths"]["/v1/routed/{item_id}"]["delete"]
    assert operation["security"] == [{"bearer": []}]
    assert _problem_statuses(operation) == {"400", "401", "403", "404", "409", "413", "422", "429", "503"}


def test_an_error_a_route_declares_itself_is_problem_json_with_its_own_description():
    operation = _document()["paths"]["/v1/sessions"]["post"]
    assert "security" not in operation
    assert _problem_statuses(operation) == {"400", "401", "409", "413", "422", "429", "503"}
    assert operation["responses"]["401"]["description"] == "Wrong identifier or password"


def test_a_creation_taking_an_idempotency_key_documents_the_200_of_a_replay_and_others_do_not():
    from ms_platform.openapi import REPLAYED

    app = FastAPI()

    @app.post("/v1/bookings", status_code=201)
    async def book(body: ThingIn, idempotency_key: Annotated[str | None, Header()] = None) -> ThingIn:
        return body

    @app.post("/v1/notes", status_code=201)
    async def note(body: ThingIn) -> ThingIn:
        return body

    paths = describe(app, get_openapi(title="t", version="1", routes=app.routes))["paths"]
    replay = paths["/v1/bookings"]["post"]["responses"]["200"]
    assert replay["description"] == REPLAYED
    assert replay["content"] == paths["/v1/bookings"]["post"]["responses"]["201"]["content"]
    assert "200" not in paths["/v1/notes"]["post"]["responses"]
