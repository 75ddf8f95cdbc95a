"""Text PostgreSQL cannot store (NUL, lone surrogates) is a 422 naming the field, before any route runs."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from ms_platform.problems import install_problem_handlers
from ms_platform.storable import StorableTextMiddleware, storable, unstorable_fields


class Person(BaseModel):
    first_name: str
    children: list[dict] = []


def _app() -> tuple[FastAPI, list]:
    reached: list = []
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/people")
    async def create(person: Person) -> dict:
        reached.append(person)
        return {"ok": True}

    @app.get("/people")
    async def search(name: str = "") -> dict:
        reached.append(name)
        return {"ok": True}

    app.add_middleware(StorableTextMiddleware)
    return app, reached


async def _call(method: str, url: str, **kwargs) -> tuple[httpx.Response, list]:
    app, reached = _app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        return await client.request(method, url, **kwargs), reached


@pytest.mark.parametrize("escaped, field", [
    ('{"first_name": "Cl\\u0000aire"}', "first_name"),
    ('{"first_name": "\\ud800"}', "first_name"),
    ('{"first_name": "ok", "children": [{"name": "a"}, {"name": "\\udfff b"}]}', "children.1.name"),
    ('{"first_name": "ok", "children": [{"na\\u0000me": "a"}]}', "children.0"),
])
async def test_a_json_string_postgresql_cannot_store_is_a_422_naming_the_field_and_no_route_runs(escaped, field):
    response, reached = await _call("POST", "/people", content=escaped, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field
    assert response.json()["errors"][0]["code"] == "unstorable_text"
    assert reached == []


async def test_a_surrogate_pair_an_escaped_backslash_and_plain_accents_pass():
    body = '{"first_name": "\\ud83d\\ude00 \\\\u0000 Zoé"}'
    response, reached = await _call("POST", "/people", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert reached[0].first_name == "\U0001F600 \\u0000 Zoé"


async def test_a_nul_in_a_query_parameter_is_a_422_naming_the_parameter():
    response, reached = await _call("GET", "/people?name=a%00b")
    assert response.status_code == 422 and response.json()["field"] == "name"
    assert reached == []


async def test_a_nul_in_the_path_is_a_422():
    response, _ = await _call("GET", "/people%00")
    assert response.status_code == 422 and response.json()["field"] == "path"


async def test_a_body_that_is_not_json_is_left_to_the_routes_own_validation():
    response, _ = await _call("POST", "/people", content=b'{"first_name": "\\u0000', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "json_invalid"


def test_storable_text_has_no_nul_and_no_lone_surrogate():
    assert storable("Zoé 😀") and not storable("a\x00") and not storable("\ud800")
    assert list(unstorable_fields({"a": ["x", {"b": "\x00"}]})) == ["a.1.b"]
