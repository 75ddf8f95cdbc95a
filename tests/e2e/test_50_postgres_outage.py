"""PostgreSQL stopped: the API answers 503 problem+json, never 500, and recovers when it returns."""

from __future__ import annotations

import pytest

from e2e_support import sign_up_and_confirm, sign_up_body, stack, unique_email, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.chaos]


async def test_the_api_answers_503_while_postgresql_is_down_and_recovers(gateway, mailbox, registry):
    first, second = await registry.register(2)
    token = await sign_up_and_confirm(gateway, mailbox, first, unique_email("pg"))
    auth = {"Authorization": f"Bearer {token}"}
    stack("pg-stop")
    try:
        answers = [
            await gateway.get("/v1/me", headers=auth),
            await gateway.post("/v1/accounts", json=sign_up_body(second, unique_email("pg"))),
            await gateway.post("/v1/sessions", json={"identifier": "someone@example.org", "password": "x"}),
            await gateway.get("/v1/contracts", headers=auth),
            await gateway.get("/health/identity/ready"),
        ]
        for answer in answers:
            assert answer.status_code == 503, (answer.request.url, answer.status_code, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json") or \
                answer.request.url.path.startswith("/health/")
    finally:
        stack("pg-start")

    async def recovered() -> bool:
        return (await gateway.get("/v1/me", headers=auth)).status_code == 200

    await wait_until(recovered, timeout=60, what="/v1/me to answer again")
    r = await gateway.post("/v1/accounts", json=sign_up_body(second, unique_email("pg-after")))
    assert r.status_code == 201, r.text
