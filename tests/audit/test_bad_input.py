"""Bad input on every write route with a JSON body, generated from the OpenAPI documents.

For each field of each request schema (nested ones by their dotted name, as problems name them):
strings get NUL, a lone surrogate, control characters, a bidi override, a zero-width space, 10,000
and 300,000 characters; numbers get 1e400, NaN, -Infinity and a 400-digit integer, all as JSON text;
dates get an impossible date; every field gets a value of the wrong type. Each route also gets an
extra field and its JSON as text/plain and as a form. The rest of the body is valid and uses the
caller's own ids (a fresh member per route), so the bad value is what the answer is about.

Every answer is a 4xx application/problem+json (413 allowed for 300,000 characters), never a 2xx,
never a 5xx; a 422 names the field; and where the route has a read (GET on the same path, or on
its collection), that read shows the same before and after: nothing was stored.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest

pytestmark = pytest.mark.e2e


def _read_path(audit, route, path: str) -> str | None:
    """The GET that shows what the route writes (``path`` is the route's, filled): the same path, or
    the collection the written resource is in."""
    gets = {r.path for r in audit.all_routes() if r.method == "get" and r.service == route.service}
    if route.path in gets:
        return path
    if route.path.endswith("}") and route.path.rsplit("/", 1)[0] in gets:
        return path.rsplit("/", 1)[0]
    return None


async def _snapshot(gateway, member, path: str | None):
    if path is None:
        return None
    response = await gateway.get(path, headers=member.auth)
    return response.status_code, response.text


async def test_bad_input_is_a_4xx_problem_naming_the_field_and_nothing_is_stored(bad_input, gateway, members, operator,
                                                                                 audit):
    route = bad_input.route
    member = await audit.caller_of(route, members, operator, f"bad input {route}")
    if route.path_parameters and not audit.fill_paths(route, member):
        # The path names a resource the member has yet to create (a callback to move): create it,
        # so that the answer is about the bad value, not about an id that names nothing.
        # Only the route's own service: an operator would otherwise create every back-office object
        # of the platform (webhook subscriptions...) for each bad value.
        await audit.create_resources(gateway, member, route.service)
    body = audit.valid_body(route, member)
    [path] = audit.fill_paths(route, member)[:1] or [route.path]
    headers = {**member.auth, "content-type": "application/json"}
    if bad_input.body_field is not None:
        content = audit.json_with_raw(body, bad_input.body_field.keys, bad_input.raw)
        named = bad_input.body_field.name
    elif bad_input.kind == "an extra field":
        content, named = json.dumps({**body, "audit_extra": "x"}).encode(), "audit_extra"
    elif bad_input.kind == "text/plain content":
        content, named = json.dumps(body).encode(), None
        headers["content-type"] = "text/plain"
    else:
        flat = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
        content, named = urllib.parse.urlencode(flat).encode(), None
        headers["content-type"] = "application/x-www-form-urlencoded"

    read = _read_path(audit, route, path)
    before = await _snapshot(gateway, member, read)
    response = await gateway.request(route.method, path, content=content, headers=headers)

    allowed = {413} if bad_input.kind == "300,000 characters" else set()
    assert 400 <= response.status_code < 500 or response.status_code in allowed, (
        f"{bad_input}: {audit.describe(response)}")
    assert response.headers.get("content-type") == "application/problem+json", f"{bad_input}: {audit.describe(response)}"
    if response.status_code == 422 and named:
        assert named in audit.problem_fields(response), (
            f"{bad_input}: the 422 names {sorted(audit.problem_fields(response))}, not {named}: {audit.describe(response)}")
    after = await _snapshot(gateway, member, read)
    assert before == after, f"{bad_input}: GET {read} changed: {before} -> {after}"

