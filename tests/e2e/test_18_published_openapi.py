"""Through the gateway, every service's OpenAPI document says what the service really answers."""

from __future__ import annotations

import collections
import re

import pytest

from ms_deploy import declaration

pytestmark = pytest.mark.e2e

SERVICES = [s.name for s in declaration.load().services]
METHODS = {"get", "put", "post", "patch", "delete"}


async def _document(gateway, service: str) -> dict:
    response = await gateway.get(f"/openapi/{service}.json")
    assert response.status_code == 200, response.text
    return response.json()


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


@pytest.mark.parametrize("service", SERVICES)
async def test_the_document_declares_the_bearer_scheme_and_problem_json_errors_only(gateway, service):
    document = await _document(gateway, service)
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "HTTPValidationError" not in str(document)
    for path, method, operation in _operations(document):
        for status in ("422", "429", "503"):
            content = operation["responses"][status]["content"]
            assert list(content) == ["application/problem+json"], (path, method, status)


@pytest.mark.parametrize("service", SERVICES)
async def test_operation_ids_are_unique_names_chosen_in_code_and_no_internal_route_is_published(gateway, service):
    document = await _document(gateway, service)
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert [i for i, n in collections.Counter(ids).items() if n > 1] == []
    generated = [i for i in ids if re.search(r"_(get|post|put|patch|delete)$", i)]
    assert generated == []
    assert [p for p in document["paths"] if p.startswith("/internal")] == []


@pytest.mark.parametrize("service", SERVICES)
async def test_a_route_behind_a_token_says_so_and_documents_401(gateway, service):
    document = await _document(gateway, service)
    secured = [(path, method, op) for path, method, op in _operations(document) if op.get("security")]
    assert secured, f"{service} publishes no route behind a token"
    for path, method, operation in secured:
        assert "401" in operation["responses"], (path, method)
