"""IDOR matrix, generated from the OpenAPI documents: every route with an id in its path or query,
each member's token on every id of the other member's resources.

Two members sign up through the real flow and create what the API lets them create (every write
route on their own resources, with a valid body). Every uuid their own reads then show (contract,
person, beneficiary, termination, request, account...) is the other member's ammunition: each slot
of a route gets every one of them, in every combination. A path id is never the caller's business:
the answer is 404, or 403 where a role is missing, never 2xx and never 5xx. A query id some routes
document as "operators only; members always get their own" may be ignored: then the answer may be a
2xx, but one showing none of the other member's ids.
"""

from __future__ import annotations

import itertools

import pytest

pytestmark = pytest.mark.e2e


def _requests(audit, route, victim_ids: list[str], caller) -> list[tuple[str, dict]]:
    """(path, query) for every combination of the victim's ids in the route's id slots; other
    required parameters get a valid value."""
    slots = route.id_parameters
    query_others = {p["name"]: audit.valid_value(p.get("schema", {}), p["name"], caller)
                    for p in route.parameters if p["in"] == "query" and p.get("required") and p not in slots}
    out = []
    for combination in itertools.product(victim_ids, repeat=len(slots)):
        path, query = route.path, dict(query_others)
        for parameter, value in zip(slots, combination):
            if parameter["in"] == "path":
                path = path.replace("{" + parameter["name"] + "}", value)
            else:
                query[parameter["name"]] = value
        out.append((path, query))
    return out


async def test_a_member_never_reaches_another_members_resource_through_an_id(id_route, direction, gateway, idor_pair, audit):
    caller, owner = (idor_pair.a, idor_pair.b) if direction == audit.IDOR_DIRECTIONS[0] else (idor_pair.b, idor_pair.a)
    # Ids both members see (a product, a shared reference) are nobody's private resource.
    victim_ids = sorted(owner.every_id() - caller.every_id())
    assert victim_ids, f"the other member has no id at all; creation answers: {idor_pair.created}"
    in_path = any(p["in"] == "path" for p in id_route.id_parameters)
    failures, owner_reached = [], False
    for path, query in _requests(audit, id_route, victim_ids, caller):
        body = audit.valid_body(id_route, caller) if id_route.body_schema else None  # valid: only the id is wrong
        response = await gateway.request(id_route.method, path, params=query, json=body, headers=caller.auth)
        url = f"{id_route.method.upper()} {path}{'?' + str(query) if query else ''}"
        if response.status_code >= 500:
            failures.append(f"{url}: {audit.describe(response)}")
        elif 200 <= response.status_code < 300:
            leaked = [i for i in victim_ids if i in response.text]
            if in_path or leaked:
                failures.append(f"{url}: {audit.describe(response)} (other member's ids in the answer: {leaked})")
        elif response.status_code not in (403, 404):
            failures.append(f"{url}: {audit.describe(response)} (expected 404, or 403 where a role is missing)")
        if id_route.method == "get" and in_path and not owner_reached:
            mine = await gateway.request("get", path, params=query, headers=owner.auth)
            owner_reached = 200 <= mine.status_code < 300
    assert not failures, f"{id_route} ({direction}):\n" + "\n".join(failures[:20])
    # Staff routes (operators', agents') hold no member's resource: a member is refused there whatever the id.
    staff_only = bool(id_route.roles) and "member" not in id_route.roles
    if id_route.method == "get" and in_path and not id_route.path.startswith("/internal/") \
            and not id_route.for_operators and not staff_only:
        # Otherwise the matrix would only have tried ids that name nothing.
        assert owner_reached, (f"{id_route}: the owner reads none of its own resources through this route, so the "
                               f"matrix proves nothing; creation answers: {idor_pair.created}")
