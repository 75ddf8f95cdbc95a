"""The OpenAPI documents integrators read say what the services really answer.

FastAPI's generated document leaves out what the platform adds around every route: the
bearer scheme, problem+json errors (it documents 422 in its own validation shape, which no
service sends), 401/403/404/409/429/503, and it names operations after the path
(``list_contracts_v1_contracts_get``). ``describe`` completes a generated document from the
app's own routes: which ones need a token (they depend on ``current_principal``), which need a
role, which take an id, which write.
"""

from __future__ import annotations

from typing import Any, Iterable

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi import routing
from fastapi.routing import APIRoute

from ms_platform.auth import current_principal

PROBLEM = "application/problem+json"
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; `type` is stable, `detail` is French, for the member.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri", "examples": ["https://errors.memberspace.example/validation-error"]},
        "title": {"type": "string", "examples": ["Invalid request"]},
        "status": {"type": "integer", "examples": [422]},
        "detail": {"type": "string", "examples": ["first_name : Ce champ est obligatoire."]},
        "instance": {"type": "string"},
        "field": {"type": "string", "description": "The field at fault (dotted path), when one is"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}}}},
    },
    "additionalProperties": True,
}

# What each status means to a client, in the words of the documents.
ERRORS = {
    "400": "The request cannot be honoured as sent (an expired or used token, a malformed header)",
    "401": "No valid access token (missing, expired, signed out or forged)",
    "403": "The token is valid but its holder may not do this",
    "404": "Nothing of that id that the caller may see (the same answer whether it exists or not)",
    "409": "The current state forbids it (already done, a limit reached, a concurrent change)",
    "413": "The body is larger than the gateway accepts",
    "422": "A field breaks a rule: `field` names it, `detail` says why in French",
    "429": "Too many requests: wait for the Retry-After header's seconds",
    "503": "A dependency is away (database, another service): retry after Retry-After",
}
WRITES = frozenset({"post", "put", "patch", "delete"})


def describe(app: FastAPI, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with the bearer scheme, every error as problem+json, and operation ids chosen in code."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION:
        schemas.pop(name, None)
    schemas["Problem"] = PROBLEM_SCHEMA
    components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                                "description": "An access token from identity (POST /v1/sessions)"}}
    routes = {(route.path, method.lower()): route for route in _api_routes(app.routes) for method in route.methods}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            route = routes.get((path, method))
            if route is not None and isinstance(operation, dict):
                _describe_operation(route, path, method, operation)
    return document


def _api_routes(routes: Iterable[Any]) -> Iterable[Any]:
    """Every API route in the document, with its full path, however routers were included."""
    contexts = routing.iter_route_contexts(routes) if hasattr(routing, "iter_route_contexts") else routes
    for route in contexts:
        original = getattr(route, "original_route", route)
        if isinstance(original, APIRoute) and route.include_in_schema:
            yield route


def _describe_operation(route: Any, path: str, method: str, operation: dict[str, Any]) -> None:
    # The code's own name for the operation (unique per service: a test says so).
    operation["operationId"] = route.operation_id or route.name
    authenticated, roles = _auth_of(route.dependant)
    if authenticated:
        operation["security"] = [{"bearer": []}]
    if allowed := _roles_of(route.dependant):
        # The roles a token must hold (require_roles): clients and the audit know who may call.
        operation["x-roles"] = sorted(allowed)
    statuses = ["422", "429", "503"]
    if authenticated:
        statuses.append("401")
    if roles:
        statuses.append("403")
    if "{" in path:
        statuses.append("404")
    if method in WRITES:
        statuses += ["400", "409", "413"]
    responses = operation.setdefault("responses", {})
    # Errors a route declares itself (``responses={401: {...}}``) are problem+json like the rest.
    declared = [status for status in responses if status[:1] in "45"]
    for status in sorted(set(statuses) | set(declared)):
        description = responses.get(status, {}).get("description")
        responses[status] = {"description": description if description and description != "Successful Response"
                             else ERRORS.get(status, "Error"),
                             "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    if "201" in responses and "200" not in responses and _takes_idempotency_key(operation):
        # A retry with a key already used creates nothing and answers the first result again, 200.
        responses["200"] = {"description": REPLAYED,
                            **({"content": responses["201"]["content"]} if "content" in responses["201"] else {})}


REPLAYED = "A retry with an Idempotency-Key the caller already used: the first result again, nothing done twice"


def _takes_idempotency_key(operation: dict[str, Any]) -> bool:
    return any(p.get("in") == "header" and str(p.get("name", "")).lower() == "idempotency-key"
               for p in operation.get("parameters", []))


def _auth_of(dependant: Dependant) -> tuple[bool, bool]:
    """(needs a token, may refuse with 403): whether ``current_principal`` is among its
    dependencies, and whether a role or caller check (``require_roles``, ``require_service``) is."""
    authenticated, roles = False, False
    for sub in dependant.dependencies:
        roles = roles or bool(getattr(sub.call, "refuses_with_403", False))
        if sub.call is current_principal:
            authenticated = True
            continue
        below, below_roles = _auth_of(sub)
        authenticated, roles = authenticated or below, roles or below_roles
    return authenticated, roles


def _roles_of(dependant: Dependant) -> set[str]:
    """The roles ``require_roles`` lets through, anywhere among the route's dependencies."""
    roles: set[str] = set()
    for sub in dependant.dependencies:
        roles.update(getattr(sub.call, "roles", ()))
        roles.update(_roles_of(sub))
    return roles
