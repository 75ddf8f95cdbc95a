"""Schemathesis on every operation of every service's OpenAPI document, through the gateway.

Each operation gets positive and negative examples (schemathesis' Python API, Hypothesis under it),
bounded in number and in seconds so that the whole audit stays within a few minutes, sent with a
signed-in member's token: one member per service, signed up through the real flow. Every answer is
checked for ``not_a_server_error`` and ``response_schema_conformance``; status-code and content-type
conformance are checked on the operations whose document declares errors beyond the framework's 422
(none does yet: documenting the errors is another issue's work, and these checks turn on by
themselves for each operation that gets there).

- Writes on the member's own account or session (sign-out, deletion, password, two-factor, email and
  profile changes) may end the session or the account they run with: each gets a fresh member of
  its own, so they cannot break the other operations.
- Routes where a wrong guess counts as a sign-in failure of 127.0.0.1 (the gateway's sign-in and
  reset zones, every body carrying an existing password) get only a handful of examples: sign-in
  throttling counts failures per client address and would throttle every other suite.
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from e2e_support import GATEWAY

pytestmark = pytest.mark.e2e

EXAMPLES = 25          # per operation (positive and negative together)
SECONDS = 3.0          # per operation, whatever the number of examples reached
CREDENTIAL_EXAMPLES = 3


@pytest.fixture(scope="session")
def api_schemas(audit) -> dict[str, schemathesis.BaseSchema]:
    return {name: schemathesis.openapi.from_dict(document) for name, document in audit.openapi_documents().items()}


def _declares_errors(route) -> bool:
    return any(code.startswith(("4", "5")) and code != "422" or code == "default"
               for code in route.operation.get("responses", {}))


def _fuzz(operation, token: str, examples: int, checks: list) -> int:
    """Run the operation's examples; returns how many were sent."""
    deadline = time.monotonic() + SECONDS
    session = requests.Session()
    sent = 0
    strategy = st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                         operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))

    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(case=strategy)
    def run(case) -> None:
        nonlocal sent
        if time.monotonic() > deadline:
            return
        sent += 1
        case.call_and_validate(base_url=GATEWAY, session=session, headers={"Authorization": f"Bearer {token}"},
                               checks=checks, timeout=15)

    try:
        run()
    finally:
        session.close()
    return sent


def _deletable_collection(audit, route) -> str | None:
    """An operator route creating in a collection that can be read and whose items can be deleted:
    what the fuzzing creates there (the documents' own examples are valid) is removed after it, so
    back-office objects (webhook subscriptions, say) do not pile up on the shared stack."""
    if not route.for_operators or route.method != "post" or "{" in route.path:
        return None
    same = [r for r in audit.all_routes() if r.service == route.service]
    item = re.compile(re.escape(route.path) + r"/\{[^}/]+\}")
    readable = any(r.method == "get" and r.path == route.path for r in same)
    deletable = any(r.method == "delete" and item.fullmatch(r.path) for r in same)
    return route.path if readable and deletable else None


async def _ids(gateway, path: str, caller) -> set[str]:
    response = await gateway.get(path, headers=caller.auth)
    return set(re.findall(r'"id":"([0-9a-f-]{36})"', response.text)) if response.status_code == 200 else set()


async def test_schemathesis_finds_no_server_error_and_no_answer_off_its_documented_schema(
        api_route, members, operator, api_schemas, audit, gateway):
    if api_route.acts_on_own_session:
        member = await members.fresh("fuzz-own-session")
    else:
        member = await audit.fuzz_caller_of(api_route, members, operator, f"schemathesis {api_route.service}",
                                            gateway.token_renewal)
    operation = api_schemas[api_route.service][api_route.path][api_route.method.upper()]
    checks = [not_a_server_error, response_schema_conformance]
    if _declares_errors(api_route):
        checks += [status_code_conformance, content_type_conformance]
    examples = CREDENTIAL_EXAMPLES if api_route.checks_a_credential else EXAMPLES
    collection = _deletable_collection(audit, api_route)
    before = await _ids(gateway, collection, member) if collection else set()
    try:
        token = await gateway.token_renewal.fresh(member.token)
        sent = await asyncio.to_thread(_fuzz, operation, token, examples, checks)
    finally:
        if collection:
            for new_id in await _ids(gateway, collection, member) - before:
                await gateway.delete(f"{collection}/{new_id}", headers=member.auth)
    assert sent > 0, f"{api_route}: no example was sent"
