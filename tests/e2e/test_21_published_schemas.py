"""Through the gateway, every published event document answers at the URL it names as its own:
each event schema's $id (and envelopes' dataschema), envelope.json's $id and asyncapi.json's id.
Retired versions stay served (marked deprecated); private events' schemas are never served."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from e2e_support import ROOT
from ms_events.catalogue import SCHEMA_BASE, is_private, private_events, public_events, retired, schema_file, schema_url

pytestmark = pytest.mark.e2e

PUBLISHED = ROOT / "libs" / "events" / "schemas"
DOCUMENTS = sorted(PUBLISHED.glob("*.json"))


def _own_url(document: dict) -> str:
    return document.get("$id") or document["id"]  # JSON Schema's $id, AsyncAPI's id


def _path(url: str) -> str:
    assert url.startswith(SCHEMA_BASE), url
    return urlsplit(url).path


def test_every_published_document_names_its_own_url():
    retired_public = [r for r in retired() if not is_private(r.topic)]
    # The public events, the retired versions, envelope.json, asyncapi.json.
    assert len(DOCUMENTS) == len(public_events()) + len(retired_public) + 2
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
    for name, cls in sorted(public_events().items()):
        response = await gateway.get(_path(schema_url(cls)))
        assert response.status_code == 200, name
        assert response.json()["title"] == name


async def test_the_asyncapi_relative_references_resolve_through_the_gateway(gateway):
    asyncapi = (await gateway.get("/schemas/asyncapi.json")).json()
    refs = {m["payload"]["properties"]["data"]["$ref"] for m in asyncapi["components"]["messages"].values()
            if "data" in m["payload"].get("properties", {})}
    assert len(refs) == len(public_events())
    for ref in sorted(refs):
        assert (await gateway.get(f"/schemas/{ref.removeprefix('./')}")).status_code == 200, ref


async def test_a_retired_version_is_still_served_marked_deprecated_for_the_records_that_name_it(gateway):
    for record in retired():
        response = await gateway.get(f"/schemas/{record.type}.v{record.version}.json")
        assert response.status_code == 200, record
        assert response.json()["deprecated"] is True and record.instead in response.json()["description"]


async def test_no_private_event_schema_nor_the_internal_document_is_served(gateway):
    assert private_events()
    paths = ["/schemas/internal/asyncapi.json"] + [
        path for cls in private_events().values()
        for path in (f"/schemas/{schema_file(cls)}", f"/schemas/internal/{schema_file(cls)}")]
    for path in paths:
        response = await gateway.get(path)
        assert response.status_code in (400, 404), (path, response.status_code)
    asyncapi = (await gateway.get("/schemas/asyncapi.json")).json()
    assert not set(private_events()) & set(asyncapi["components"]["messages"])
    assert not [t for t in asyncapi["channels"] if is_private(t)]


@pytest.mark.parametrize("path", ["/schemas/released/AccountCreated.v1.json", "/schemas/../README.md",
                                  "/schemas/", "/schemas/nothing.json"])
async def test_nothing_else_is_served_under_schemas(gateway, path):
    response = await gateway.get(path)
    assert response.status_code in (400, 404), (path, response.status_code)
    assert response.headers["content-type"] == "application/problem+json"
