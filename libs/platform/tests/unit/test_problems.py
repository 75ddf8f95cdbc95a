from datetime import date

import asyncpg
import httpx
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

from ms_platform.app import RequestContextMiddleware
from ms_platform.problems import PROBLEM_MEDIA_TYPE, Problem, install_problem_handlers


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    birth_date: date
    name: str


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service="test")

    @app.post("/things")
    async def create(body: Body) -> dict:
        return {}

    @app.get("/conflict")
    async def conflict() -> dict:
        raise Problem(409, "email-already-used", "Email already used", "Adresse déjà utilisée.", field="email")

    @app.get("/db-down")
    async def db_down() -> dict:
        raise asyncpg.exceptions.CannotConnectNowError("the database system is shutting down")

    @app.get("/refused")
    async def refused() -> dict:
        raise ConnectionRefusedError(111, "Connect call failed")

    @app.get("/bug")
    async def bug() -> dict:
        raise KeyError("secret-value")

    return app


async def _call(method: str, path: str, **kwargs) -> httpx.Response:
    # Exceptions must be answered, not re-raised (a re-raise breaks keep-alive with the gateway).
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, path, **kwargs)


async def test_an_invalid_field_answers_422_problem_json_naming_the_field():
    r = await _call("POST", "/things", json={"birth_date": "12/03/1984", "name": "x"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = r.json()
    assert body["field"] == "birth_date" and "AAAA-MM-JJ" in body["detail"]
    assert body["type"].endswith("/validation-error")


async def test_a_missing_field_and_an_unexpected_field_are_each_named():
    r = await _call("POST", "/things", json={"birth_date": "1984-03-12", "admin": True})
    fields = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert fields == {"name": "Ce champ est obligatoire.", "admin": "Ce champ n'est pas attendu."}


async def test_a_body_that_is_not_json_answers_422_not_500():
    r = await _call("POST", "/things", content=b"{oops", headers={"content-type": "application/json"})
    assert r.status_code == 422


async def test_a_domain_problem_keeps_its_status_type_and_field():
    r = await _call("GET", "/conflict")
    assert r.status_code == 409 and r.json()["field"] == "email"
    assert r.json()["instance"] == "/conflict"


async def test_an_unreachable_database_answers_503_with_retry_after():
    for path in ("/db-down", "/refused"):
        r = await _call("GET", path)
        assert r.status_code == 503 and r.headers["retry-after"] == "5"
        assert r.json()["dependency"] == "database"


async def test_an_unexpected_error_answers_500_problem_without_internals():
    r = await _call("GET", "/bug")
    assert r.status_code == 500 and "secret-value" not in r.text
    assert r.headers["content-type"] == PROBLEM_MEDIA_TYPE


async def test_an_unknown_route_answers_404_problem_json():
    r = await _call("GET", "/nowhere")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM_MEDIA_TYPE
