"""Through the gateway, every published event document answers at the URL it names as its own:
each event schema's $id (and envelopes' dataschema), envelope.json's $id and asyncapi.json's id."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from e2e_support import ROOT
from ms_events.catalogue import SCHEMA_BASE, registered, schema_url

pytestmark = pytest.mark.e2e

PUBLISHED = ROOT / "libs" / "events" / "schemas"
DOCUMENTS = sorted(PUBLISHED.glob("*.json"))


def _own_url(document: dict) -> str:
    return document.get("$id") or document["id"]  # JSON Schema's $id, AsyncAPI's id


def _path(url: str) -> str:
    assert url.startswith(SCHEMA_BASE), url
    return urlsplit(url).path


def test_every_published_document_names_its_own_url():
    assert len(DOCUMENTS) == len(registered()) + 2  # the events, envelope.json, asyncapi.json
    for path in DOCUMENTS:
        assert _own_url(json.loads(path.read_text())) == SCHEMA_BASE + path.name, path.name


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
async def test_the_gateway_serves_each_document_at_its_own_url(gateway, path):
    document = json.loads(path.read_text())
    response = await gateway.get(_path(_own_url(document)))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == document


async def test_each_envelope_dataschema_answers_with_the_event_schema(gateway):
    for name, cls in sorted(registered().items()):
        response = await gateway.get(_path(schema_url(cls)))
        assert response.status_code == 200, name
        assert response.json()["title"] == name


async def test_the_asyncapi_relative_references_resolve_through_the_gateway(gateway):
    asyncapi = (await gateway.get("/schemas/asyncapi.json")).json()
    refs = {m["payload"]["properties"]["data"]["$ref"] for m in asyncapi["components"]["messages"].values()
            if "data" in m["payload"].get("properties", {})}
    assert len(refs) == len(registered())
    for ref in sorted(refs):
        assert (await gateway.get(f"/schemas/{ref.removeprefix('./')}")).status_code == 200, ref


@pytest.mark.parametrize("path", ["/schemas/released/AccountCreated.v1.json", "/schemas/../README.md",
                                  "/schemas/", "/schemas/nothing.json"])
async def test_nothing_else_is_served_under_schemas(gateway, path):
    response = await gateway.get(path)
    assert response.status_code in (400, 404), (path, response.status_code)
    assert response.headers["content-type"] == "application/problem+json"
